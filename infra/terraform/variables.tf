# Inputs of the Godwit module. The settings variables (stack_name … retain_data) are the keys of
# godwit.deploy.yaml in snake_case (docs/DEPLOYMENT.md); the template in synth_dir must have been
# synthesized from the same values, which the module checks before it deploys anything.

variable "synth_dir" {
  description = "Directory written by `godwit deploy synth --for terraform --out DIR`: godwit-terraform.json, the CloudFormation template and the zipped Lambda code."
  type        = string

  validation {
    condition     = length(trimspace(var.synth_dir)) > 0
    error_message = "synth_dir must be the directory given to `godwit deploy synth --for terraform --out`."
  }
}

variable "assets_bucket" {
  description = "Existing S3 bucket for the template and the Lambda code. Null: the module creates a private, encrypted bucket."
  type        = string
  default     = null

  validation {
    condition     = var.assets_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.assets_bucket))
    error_message = "assets_bucket must be an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens."
  }
}

variable "assets_key_prefix" {
  description = "Key prefix of the uploaded template and code in the assets bucket; empty or ending in a slash, e.g. godwit/dev/."
  type        = string
  default     = "godwit/"
  nullable    = false

  validation {
    condition     = can(regex("^([!-~]*/)?$", var.assets_key_prefix))
    error_message = "assets_key_prefix must be empty or end with \"/\" (printable characters, no spaces), e.g. \"godwit/dev/\"."
  }
}

variable "stack_name" {
  description = "CloudFormation stack name; also the prefix of the DynamoDB table and other resource names."
  type        = string
  default     = "Godwit"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9-]{0,127}$", var.stack_name))
    error_message = "stack_name must start with a letter and hold only letters, digits and hyphens (at most 128)."
  }
}

variable "compute" {
  description = "lambda: API Gateway HTTP API + a streaming Function URL (scales to zero). fargate: ECS Fargate behind a load balancer, with Aurora PostgreSQL and Redis."
  type        = string
  default     = "lambda"
  nullable    = false

  validation {
    condition     = contains(["lambda", "fargate"], var.compute)
    error_message = "compute must be \"lambda\" or \"fargate\"."
  }
}

variable "vector_store" {
  description = "Vector store on the lambda profile: aurora (Aurora Serverless v2 + pgvector, pauses at 0 ACU), opensearch (OpenSearch Serverless, billed for at least 2 OCU whether used or not) or s3vectors."
  type        = string
  default     = "aurora"
  nullable    = false

  validation {
    condition     = contains(["aurora", "opensearch", "s3vectors"], var.vector_store)
    error_message = "vector_store must be \"aurora\", \"opensearch\" or \"s3vectors\"."
  }
}

variable "models" {
  description = "Bedrock models as provider:model-id: default (chat), fallback (tried in order when the default fails), embedding (\"\" for keyword retrieval only). The functions may invoke exactly these."
  type = object({
    default   = optional(string, "bedrock:us.anthropic.claude-3-5-haiku-20241022-v1:0")
    fallback  = optional(list(string), [])
    embedding = optional(string, "bedrock:amazon.titan-embed-text-v2:0")
  })
  default  = {}
  nullable = false

  validation {
    condition = alltrue([
      for model in concat([var.models.default], var.models.fallback, var.models.embedding == "" ? [] : [var.models.embedding]) :
      can(regex("^bedrock:.+$", model))
    ])
    error_message = "models.default, models.fallback and models.embedding must name Bedrock models as bedrock:<model id, inference profile id or ARN> (embedding may be \"\")."
  }
}

variable "auth" {
  description = "Accepted bearer tokens besides API keys: jwt_issuer + jwt_audience (an OIDC provider and its app client id), or cognito = true for a Cognito user pool created with the stack."
  type = object({
    jwt_issuer   = optional(string)
    jwt_audience = optional(string)
    cognito      = optional(bool, false)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.auth.jwt_issuer == null || can(regex("^https?://[^ ]+$", var.auth.jwt_issuer))
    error_message = "auth.jwt_issuer must be the issuer URL, e.g. https://login.example.com/."
  }

  validation {
    condition     = var.auth.jwt_issuer == null || var.auth.jwt_audience != null
    error_message = "auth.jwt_audience must be set (the app client id) when auth.jwt_issuer is set."
  }
}

variable "domain" {
  description = "Custom domain for the API: name and the ARN of an ACM certificate in the stack's region. Null: the AWS-generated URLs."
  type = object({
    name            = string
    certificate_arn = string
  })
  default = null

  validation {
    condition     = var.domain == null || try(length(var.domain.name) >= 3 && startswith(var.domain.certificate_arn, "arn:"), false)
    error_message = "domain.name must be a host name and domain.certificate_arn an ACM certificate ARN (arn:…)."
  }
}

variable "waf" {
  description = "Put an AWS WAF web ACL (AWS managed rules and a per-IP rate limit) in front of the load balancer (compute = fargate)."
  type        = bool
  default     = false
  nullable    = false
}

variable "secrets" {
  description = "Environment variables the server reads from Secrets Manager, e.g. [\"OPENAI_API_KEY\"]; the stack creates each secret empty, you set its value after the first apply."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for name in var.secrets : can(regex("^[A-Z][A-Z0-9_]*$", name))])
    error_message = "Each entry of secrets must be an environment variable name in capitals, e.g. OPENAI_API_KEY."
  }
}

variable "alarms" {
  description = "Alarm thresholds and where they are sent: email (null: no subscription), daily_cost_usd (model spend per day), p99_latency_ms, error_rate_percent."
  type = object({
    email              = optional(string)
    daily_cost_usd     = optional(number, 20)
    p99_latency_ms     = optional(number, 10000)
    error_rate_percent = optional(number, 5)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.alarms.email == null || can(regex("^[^@ ]+@[^@ ]+\\.[^@ ]+$", var.alarms.email))
    error_message = "alarms.email must be an email address."
  }

  validation {
    condition     = var.alarms.daily_cost_usd > 0 && var.alarms.p99_latency_ms > 0 && floor(var.alarms.p99_latency_ms) == var.alarms.p99_latency_ms
    error_message = "alarms.daily_cost_usd must be above 0 and alarms.p99_latency_ms a whole number of milliseconds above 0."
  }

  validation {
    condition     = var.alarms.error_rate_percent > 0 && var.alarms.error_rate_percent <= 100
    error_message = "alarms.error_rate_percent must be above 0 and at most 100."
  }
}

variable "budget" {
  description = "AWS Budget on the account's monthly spend: monthly_usd, and email for alerts at 80 % actual and 100 % forecast (null: alarms.email)."
  type = object({
    monthly_usd = optional(number, 100)
    email       = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.budget.monthly_usd > 0
    error_message = "budget.monthly_usd must be above 0."
  }

  validation {
    condition     = var.budget.email == null || can(regex("^[^@ ]+@[^@ ]+\\.[^@ ]+$", var.budget.email))
    error_message = "budget.email must be an email address."
  }
}

variable "cors" {
  description = "Origins of front ends hosted elsewhere that may call the API (CORS on the HTTP API and the Function URL), e.g. [\"https://app.example.com\"]. Empty: none."
  type = object({
    allowed_origins = optional(list(string), [])
  })
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for origin in var.cors.allowed_origins : can(regex("^https?://[^/\\s]+$", origin))])
    error_message = "Each entry of cors.allowed_origins must be an origin like https://app.example.com (scheme and host, no path)."
  }
}

variable "channels" {
  description = "Discord and Slack bots (docs/CHANNELS.md): discord = { public_key, application_id } of the Discord application, slack = true to create the Slack signing secret and bot token secrets. Answers are written by the worker function from a queue."
  type = object({
    discord = optional(object({
      public_key     = string
      application_id = optional(string)
    }))
    slack = optional(bool, false)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.channels.discord == null || can(regex("^[0-9a-fA-F]{64}$", var.channels.discord.public_key))
    error_message = "channels.discord.public_key must be the 64 hex digits of the Discord application's public key."
  }

  validation {
    condition     = var.channels.discord == null || try(var.channels.discord.application_id == null || can(regex("^[0-9]+$", var.channels.discord.application_id)), false)
    error_message = "channels.discord.application_id must be the Discord application id (digits)."
  }
}

variable "managed_agents" {
  description = "Assistants of the Godwit config file (config, relative to where godwit deploy synth runs) that also become managed Bedrock Agents. Empty assistants: none."
  type = object({
    config     = optional(string, "godwit.config.yaml")
    assistants = optional(list(string), [])
  })
  default  = {}
  nullable = false

  validation {
    condition     = length(trimspace(var.managed_agents.config)) > 0 && alltrue([for name in var.managed_agents.assistants : length(name) > 0])
    error_message = "managed_agents.config must name a file and every entry of managed_agents.assistants an assistant."
  }
}

variable "web_app" {
  description = "The web app on S3 behind CloudFront, with the API on the same origin (compute = lambda): enabled = false leaves it out; domain = { name, certificate_arn } serves it under your own name with an ACM certificate in us-east-1."
  type = object({
    enabled = optional(bool, true)
    domain = optional(object({
      name            = string
      certificate_arn = string
    }))
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.web_app.domain == null || try(length(var.web_app.domain.name) >= 3 && can(regex("^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/.+$", var.web_app.domain.certificate_arn)), false)
    error_message = "web_app.domain.name must be a host name and web_app.domain.certificate_arn an ACM certificate ARN in us-east-1 (CloudFront takes certificates from that region only)."
  }
}

variable "config" {
  description = "compute = fargate: the Godwit config file the server runs with (assistants, tools, approvals), relative to where godwit deploy synth runs; the template carries it and grants lambda:InvokeFunction on its tools.lambda functions. null: GODWIT_* variables only."
  type        = string
  default     = null
}

variable "retain_data" {
  description = "Keep the table, buckets and database (deletion protection on) when the stack is deleted. Set false only for throwaway environments."
  type        = bool
  default     = true
  nullable    = false
}

variable "container_image" {
  description = "compute = fargate: URI of the server image in ECR (the repository's Dockerfile, built and pushed by your pipeline), e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/godwit:v1. Unused on lambda."
  type        = string
  default     = null

  validation {
    condition     = var.container_image == null || can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[a-z0-9][a-z0-9._/-]*[:@].+$", var.container_image))
    error_message = "container_image must be an ECR image URI with a tag or digest: ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY:TAG."
  }
}

variable "cloudformation_role_arn" {
  description = "IAM role CloudFormation assumes to create the stack's resources. Null: the credentials Terraform runs with."
  type        = string
  default     = null

  validation {
    condition     = var.cloudformation_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.cloudformation_role_arn))
    error_message = "cloudformation_role_arn must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)."
  }
}

variable "tags" {
  description = "Tags for the stack (CloudFormation passes them to every resource that supports tags) and the assets bucket."
  type        = map(string)
  default     = {}
  nullable    = false
}
