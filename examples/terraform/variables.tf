# The environment's own variables, then Godwit's settings passed through to the module unchanged (null
# means the module's default; the module holds the types, validation and descriptions).

variable "aws_region" {
  description = "AWS region of the environment, e.g. us-east-1."
  type        = string
}

variable "environment" {
  description = "Environment name (dev, prod): tags and the assets key prefix."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*$", var.environment))
    error_message = "environment must be lowercase letters, digits and hyphens, e.g. dev."
  }
}

variable "synth_dir" {
  description = "Output of `godwit deploy synth --for terraform --out DIR`, relative to this directory."
  type        = string
  default     = "cdk.out"
}

variable "container_image" {
  description = "compute = fargate: the server image URI in ECR that the pipeline built and pushed."
  type        = string
  default     = null
}

variable "stack_name" {
  description = "Godwit setting stack_name (infra/terraform/variables.tf)."
  type        = string
  default     = null
}

variable "compute" {
  description = "Godwit setting compute: lambda or fargate."
  type        = string
  default     = null
}

variable "vector_store" {
  description = "Godwit setting vector_store: aurora, opensearch or s3vectors."
  type        = string
  default     = null
}

variable "models" {
  description = "Godwit setting models: default, fallback, embedding."
  type        = any
  default     = null
}

variable "auth" {
  description = "Godwit setting auth: jwt_issuer, jwt_audience, cognito."
  type        = any
  default     = null
}

variable "domain" {
  description = "Godwit setting domain: name and certificate_arn, or null."
  type        = any
  default     = null
}

variable "waf" {
  description = "Godwit setting waf (fargate)."
  type        = bool
  default     = null
}

variable "secrets" {
  description = "Godwit setting secrets: variable names kept in Secrets Manager."
  type        = list(string)
  default     = null
}

variable "alarms" {
  description = "Godwit setting alarms: email, daily_cost_usd, p99_latency_ms, error_rate_percent."
  type        = any
  default     = null
}

variable "budget" {
  description = "Godwit setting budget: monthly_usd, email."
  type        = any
  default     = null
}

variable "cors" {
  description = "Godwit setting cors: allowed_origins of front ends hosted elsewhere."
  type        = any
  default     = null
}

variable "channels" {
  description = "Godwit setting channels: discord (public_key, application_id) and slack."
  type        = any
  default     = null
}

variable "managed_agents" {
  description = "Godwit setting managed_agents: config file and the assistants that become Bedrock Agents."
  type        = any
  default     = null
}

variable "web_app" {
  description = "Godwit setting web_app: enabled, and domain (name, certificate_arn in us-east-1) for the web app on CloudFront."
  type        = any
  default     = null
}

variable "config" {
  description = "Godwit setting config: the Godwit config file the Fargate server runs with (assistants, tools), relative to where godwit deploy synth runs."
  type        = string
  default     = null
}

variable "retain_data" {
  description = "Godwit setting retain_data: keep data when the stack is deleted."
  type        = bool
  default     = null
}
