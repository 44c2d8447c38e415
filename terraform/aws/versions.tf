terraform {
  # 1.11: write-only arguments (secret_string_wo) and ephemeral resources (1.10), which keep the database
  # passwords out of the state and the plan.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}
