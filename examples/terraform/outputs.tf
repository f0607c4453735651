# What deployment scripts read with `terraform output -raw NAME`.

output "web_app_url" {
  description = "The web app on CloudFront, with the API on the same origin."
  value       = module.godwit.web_app_url
}

output "api_gateway_url" {
  description = "API Gateway HTTP API endpoint."
  value       = module.godwit.api_gateway_url
}

output "function_url" {
  description = "Streaming Function URL (SSE chat and completions)."
  value       = module.godwit.function_url
}

output "api_url" {
  description = "Base URL of the API on either profile."
  value       = module.godwit.api_url
}

output "conversations_table_name" {
  description = "DynamoDB table of conversations."
  value       = module.godwit.conversations_table_name
}

output "documents_bucket_name" {
  description = "S3 bucket of documents; uploads under incoming/<tenant>/<knowledge-base>/ are ingested."
  value       = module.godwit.documents_bucket_name
}

output "opensearch_endpoint" {
  description = "OpenSearch Serverless endpoint (vector_store = opensearch)."
  value       = module.godwit.opensearch_endpoint
}

output "opensearch_collection_id" {
  description = "OpenSearch Serverless collection id (vector_store = opensearch)."
  value       = module.godwit.opensearch_collection_id
}

output "vector_store_endpoint" {
  description = "Where the vectors are, whatever the store."
  value       = module.godwit.vector_store_endpoint
}

output "dashboard_url" {
  description = "CloudWatch dashboard."
  value       = module.godwit.dashboard_url
}
