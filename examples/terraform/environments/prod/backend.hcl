# terraform init -backend-config=environments/prod/backend.hcl
# The bucket and the lock table are created once, outside this configuration (docs/DEPLOYMENT.md).
bucket         = "example-godwit-terraform-state"
key            = "godwit/prod/terraform.tfstate"
region         = "us-east-1"
dynamodb_table = "example-godwit-terraform-locks"
encrypt        = true
