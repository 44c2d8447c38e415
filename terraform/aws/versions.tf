terraform {
  # 1.5: check blocks; terraform_data needs 1.4.
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}
