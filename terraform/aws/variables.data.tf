# Variables of the data tier: the database (database.tf) and the buckets (storage.tf). The rest: variables.tf.

# --- database -------------------------------------------------------------------------------------------------

variable "db_instance_class" {
  description = "RDS instance class of the one PostgreSQL instance."
  type        = string
  default     = "db.t4g.micro"
}

variable "db_engine_version" {
  description = "PostgreSQL major (or major.minor) version."
  type        = string
  default     = "17"
}

variable "db_allocated_storage" {
  description = "Initial storage in GiB (storage autoscaling goes up to 5x this)."
  type        = number
  default     = 20
}

variable "db_multi_az" {
  description = "Run a standby in a second AZ."
  type        = bool
  default     = false
}

variable "db_backup_retention_days" {
  description = "Automated backup retention (0 turns backups off)."
  type        = number
  default     = 7
}

variable "db_deletion_protection" {
  description = "Refuse to delete the database instance (set false before a destroy)."
  type        = bool
  default     = false
}

variable "db_skip_final_snapshot" {
  description = "Destroy without a final snapshot."
  type        = bool
  default     = false
}

variable "db_credentials_version" {
  description = "Bump to draw new passwords for the services' database roles (write-only, never in the state); the next apply stores them and the db-init task sets them."
  type        = number
  default     = 1
}

variable "db_ca_bundle_path" {
  description = "Path of the RDS CA bundle inside the images; the services connect with sslmode=verify-full against it. See README (TLS to the database)."
  type        = string
  default     = "/etc/ssl/certs/rds-ca-bundle.pem"
}

variable "run_db_init" {
  description = "Run the one-shot db-init ECS task during apply (aws CLI where terraform runs), before the services start. False only for emulators that run no containers (moto); then run it yourself (see README)."
  type        = bool
  default     = true
}

variable "secret_recovery_window_days" {
  description = "Days a deleted Secrets Manager secret can be restored (0 deletes at once, for rehearsals)."
  type        = number
  default     = 7
}

# --- storage --------------------------------------------------------------------------------------------------

variable "calendar_bucket_name" {
  description = "Bucket for generated calendars. Null means <name_prefix>-calendars-<account>-<region>."
  type        = string
  default     = null
}

variable "calendar_retention_days" {
  description = "Calendars (objects under calendars/) expire this many days after they were written."
  type        = number
  default     = 7
}

variable "bucket_force_destroy" {
  description = "Let terraform destroy empty the calendar bucket first."
  type        = bool
  default     = false
}

variable "dlq_redrive_allow_policy" {
  description = "Allow only its own work queue to use a DLQ (redrive allow policy). False only for emulators that do not implement it (moto)."
  type        = bool
  default     = true
}
