# Development: the near-zero-idle defaults (Lambda, Aurora Serverless v2 pausing at 0 ACU), data deleted
# with the stack. Read by both `godwit deploy synth --settings` and `terraform plan -var-file`.
aws_region  = "us-east-1"
environment = "dev"

stack_name   = "Godwit-dev"
compute      = "lambda"
vector_store = "aurora"

models = {
  default = "bedrock:us.anthropic.claude-3-5-haiku-20241022-v1:0"
}

alarms = {
  email          = "godwit-dev-alerts@example.com"
  daily_cost_usd = 10
}

budget = {
  monthly_usd = 150
}

retain_data = false
