variable "region" {
  description = "AWS region for the queues."
  type        = string
  default     = "us-east-1"
}

variable "queue_name" {
  description = "Base name of the lab queues: the standard queue is this name, the FIFO queue this name plus \".fifo\"."
  type        = string
  default     = "csse6400_prac"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,75}$", var.queue_name))
    error_message = "queue_name must be 1-75 letters, digits, hyphens or underscores (the FIFO name adds \".fifo\")."
  }
}

variable "endpoint" {
  description = "SQS endpoint override for an emulator (moto, LocalStack, fauxqs), e.g. http://127.0.0.1:4566. Null means AWS itself."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags put on both queues."
  type        = map(string)
  default     = { project = "taskoverflow", purpose = "queue-lab" }
}
