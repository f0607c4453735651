# A root configuration that deploys Godwit with Terraform: S3 state with DynamoDB locking (one state per
# environment), the Godwit module, and the outputs scripts read. In your own repository, point the module
# at a Godwit release: source = "git::https://github.com/<org>/godwit.git//infra/terraform?ref=<tag>".

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 7.0"
    }
  }

  # Filled in per environment: terraform init -backend-config=environments/dev/backend.hcl
  backend "s3" {}
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      Application = "godwit"
      Environment = var.environment
    }
  }
}

module "godwit" {
  source = "../../infra/terraform"

  synth_dir         = var.synth_dir
  assets_key_prefix = "godwit/${var.environment}/"
  container_image   = var.container_image
  tags              = { Environment = var.environment }

  # Godwit's settings: the same environments/<env>/terraform.tfvars feeds `godwit deploy synth`.
  stack_name   = var.stack_name
  compute      = var.compute
  vector_store = var.vector_store
  models       = var.models
  auth         = var.auth
  domain       = var.domain
  waf          = var.waf
  secrets      = var.secrets
  alarms       = var.alarms
  budget         = var.budget
  cors           = var.cors
  channels       = var.channels
  managed_agents = var.managed_agents
  web_app        = var.web_app
  config         = var.config
  retain_data    = var.retain_data
}
