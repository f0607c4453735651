terraform {
  # optional() object attributes with defaults (1.3), lifecycle preconditions (1.2).
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 7.0"
    }
  }
}
