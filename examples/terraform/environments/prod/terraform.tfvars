# Production: OpenSearch Serverless for vectors (billed for at least 2 OCU, about 350 USD a month, used or
# not), a larger model with the small one as fallback, Cognito sign-in, data kept if the stack is deleted.
aws_region  = "us-east-1"
environment = "prod"

stack_name   = "Godwit-prod"
compute      = "lambda"
vector_store = "opensearch"

models = {
  default   = "bedrock:us.anthropic.claude-3-5-sonnet-20241022-v2:0"
  fallback  = ["bedrock:us.anthropic.claude-3-5-haiku-20241022-v1:0"]
  embedding = "bedrock:amazon.titan-embed-text-v2:0"
}

auth = {
  cognito = true
}

alarms = {
  email              = "godwit-oncall@example.com"
  daily_cost_usd     = 60
  p99_latency_ms     = 8000
  error_rate_percent = 2
}

budget = {
  monthly_usd = 1500
  email       = "finance@example.com"
}

retain_data = true
