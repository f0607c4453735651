# Stack outputs under the names Terraform scripts read. An output a profile does not create is null
# (for example function_url on fargate, opensearch_endpoint unless vector_store = "opensearch").

locals {
  outputs = aws_cloudformation_stack.godwit.outputs
  region  = data.aws_s3_bucket.assets.region
}

output "stack_id" {
  description = "ID (ARN) of the CloudFormation stack."
  value       = aws_cloudformation_stack.godwit.id
}

output "stack_outputs" {
  description = "Every output of the CloudFormation stack, by its name in the template."
  value       = local.outputs
}

output "api_url" {
  description = "Base URL of the Godwit API: the HTTP API on lambda, the load balancer on fargate."
  value       = try(coalesce(lookup(local.outputs, "ApiUrl", null), lookup(local.outputs, "ServiceUrl", null)), null)
}

output "web_app_url" {
  description = "The web app, with the API on the same origin (lambda, unless web_app.enabled = false)."
  value       = lookup(local.outputs, "WebAppUrl", null)
}

output "web_app_domain_target" {
  description = "CloudFront domain name to point web_app.domain.name at (CNAME or Route 53 alias; set when web_app.domain is)."
  value       = lookup(local.outputs, "WebAppDomainTarget", null)
}

output "api_gateway_url" {
  description = "API Gateway HTTP API endpoint (buffered responses; lambda only)."
  value       = lookup(local.outputs, "ApiUrl", null)
}

output "function_url" {
  description = "Lambda Function URL that streams responses (SSE chat and completions; lambda only)."
  value       = lookup(local.outputs, "StreamUrl", null)
}

output "service_url" {
  description = "Load balancer URL of the container service (fargate only)."
  value       = lookup(local.outputs, "ServiceUrl", null)
}

output "table_name" {
  description = "The DynamoDB table (conversations, usage, audit and API keys on lambda)."
  value       = lookup(local.outputs, "TableName", null)
}

output "conversations_table_name" {
  description = "DynamoDB table that holds conversations (lambda; on fargate conversations live in Aurora PostgreSQL and this is null)."
  value       = var.compute == "lambda" ? lookup(local.outputs, "TableName", null) : null
}

output "documents_bucket_name" {
  description = "S3 bucket of original documents; files uploaded under incoming/<tenant>/<knowledge-base>/ are ingested."
  value       = lookup(local.outputs, "DocumentsBucketName", null)
}

output "opensearch_endpoint" {
  description = "OpenSearch Serverless collection endpoint (vector_store = \"opensearch\")."
  value       = lookup(local.outputs, "VectorsOpenSearchEndpoint", null)
}

output "opensearch_collection_id" {
  description = "OpenSearch Serverless collection id (vector_store = \"opensearch\")."
  value       = lookup(local.outputs, "VectorsOpenSearchCollectionId", null)
}

output "aurora_cluster_arn" {
  description = "Aurora PostgreSQL cluster holding the vectors (vector_store = \"aurora\"), reached through the RDS Data API."
  value       = lookup(local.outputs, "VectorsAuroraClusterArn", null)
}

output "vector_bucket_name" {
  description = "S3 Vectors bucket (vector_store = \"s3vectors\")."
  value       = lookup(local.outputs, "VectorsVectorBucketName", null)
}

output "vector_store_endpoint" {
  description = "Where the vectors are, whatever the store: the OpenSearch endpoint, the Aurora cluster ARN or the S3 Vectors bucket."
  value = try(coalesce(
    lookup(local.outputs, "VectorsOpenSearchEndpoint", null),
    lookup(local.outputs, "VectorsAuroraClusterArn", null),
    lookup(local.outputs, "VectorsVectorBucketName", null),
  ), null)
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the functions, the model cost and the ingest dead-letter queue (lambda)."
  value       = lookup(local.outputs, "DashboardName", null)
}

output "dashboard_url" {
  description = "Console link to that dashboard."
  value       = lookup(local.outputs, "DashboardName", null) == null ? null : "https://console.aws.amazon.com/cloudwatch/home?region=${local.region}#dashboards:name=${lookup(local.outputs, "DashboardName", "")}"
}

output "dead_letter_queue_url" {
  description = "SQS queue of uploads that failed ingestion after every retry (lambda)."
  value       = lookup(local.outputs, "DeadLetterQueueUrl", null)
}

output "user_pool_id" {
  description = "Cognito user pool id (auth.cognito = true)."
  value       = lookup(local.outputs, "UserPoolId", null)
}

output "user_pool_client_id" {
  description = "Cognito app client id for the web app (auth.cognito = true)."
  value       = lookup(local.outputs, "UserPoolClientId", null)
}

output "assets_bucket" {
  description = "S3 bucket holding the uploaded template and Lambda code."
  value       = local.assets_bucket
}
