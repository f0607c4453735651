# Deploys the stack `godwit deploy synth --for terraform` wrote: uploads the template and the zipped Lambda
# code to S3, then creates or updates the CloudFormation stack. The infrastructure itself is defined once,
# in the CDK app (infra/); this module only carries it, so the two cannot drift.

locals {
  manifest_file = "${var.synth_dir}/godwit-terraform.json"
  manifest      = jsondecode(file(local.manifest_file))
  template_file = "${var.synth_dir}/${local.manifest.template}"
  template      = jsondecode(file(local.template_file))

  # The settings as the template must have been built with them (the manifest records the synth's).
  settings = {
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
  settings_drift = sort([
    for name, value in local.settings : name
    if jsonencode(value) != jsonencode(lookup(local.manifest.settings, name, null))
  ])

  assets_bucket        = coalesce(var.assets_bucket, one(aws_s3_bucket.assets[*].id))
  assets               = { for asset in local.manifest.assets : asset.key => asset }
  container_repository = try(regex("^[^/]+/([^:@]+)", var.container_image)[0], null)

  # Every parameter the synthesizer can declare (infra/src/terraform-synthesizer.ts); the stack gets exactly
  # the ones its template declares.
  parameter_values = {
    AssetsBucketName        = local.assets_bucket
    AssetsKeyPrefix         = var.assets_key_prefix
    ContainerImageUri       = var.container_image
    ContainerRepositoryName = local.container_repository
  }
  template_parameters = sort(keys(try(local.template.Parameters, {})))
  stack_parameters    = { for name in local.template_parameters : name => lookup(local.parameter_values, name, null) }
}

resource "aws_s3_bucket" "assets" {
  count = var.assets_bucket == null ? 1 : 0

  bucket_prefix = "${substr(lower(var.stack_name), 0, 29)}-assets-" # at most 37 characters
  # Only build output lives here; every object can be uploaded again from a synth.
  force_destroy = true
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "assets" {
  count = var.assets_bucket == null ? 1 : 0

  bucket                  = aws_s3_bucket.assets[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "assets" {
  count = var.assets_bucket == null ? 1 : 0

  bucket = aws_s3_bucket.assets[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_policy" "assets" {
  count = var.assets_bucket == null ? 1 : 0

  bucket = aws_s3_bucket.assets[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "TlsOnly"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.assets[0].arn, "${aws_s3_bucket.assets[0].arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })

  depends_on = [aws_s3_bucket_public_access_block.assets]
}

data "aws_s3_bucket" "assets" {
  bucket = local.assets_bucket
}

# Object keys are content hashes: new code is a new key, so the stack update always sees it.
resource "aws_s3_object" "asset" {
  for_each = local.assets

  bucket      = local.assets_bucket
  key         = "${var.assets_key_prefix}${each.key}"
  source      = "${var.synth_dir}/${each.value.file}"
  source_hash = filemd5("${var.synth_dir}/${each.value.file}")

  depends_on = [aws_s3_bucket_public_access_block.assets, aws_s3_bucket_server_side_encryption_configuration.assets]
}

# The template is larger than the 51,200 bytes CloudFormation takes inline, so it goes through S3 too.
resource "aws_s3_object" "template" {
  bucket       = local.assets_bucket
  key          = "${var.assets_key_prefix}templates/${filesha256(local.template_file)}.json"
  source       = local.template_file
  source_hash  = filemd5(local.template_file)
  content_type = "application/json"

  depends_on = [aws_s3_bucket_public_access_block.assets, aws_s3_bucket_server_side_encryption_configuration.assets]
}

resource "aws_cloudformation_stack" "godwit" {
  name         = var.stack_name
  template_url = "https://${data.aws_s3_bucket.assets.bucket_regional_domain_name}/${aws_s3_object.template.key}"
  parameters   = local.stack_parameters
  capabilities = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
  iam_role_arn = var.cloudformation_role_arn
  tags         = var.tags

  # A first Aurora cluster or OpenSearch collection takes longer than the provider's 30-minute default.
  timeouts {
    create = "90m"
    update = "90m"
    delete = "90m"
  }

  # The template names the code objects through its parameters only, so Terraform must be told to upload them first.
  depends_on = [aws_s3_object.asset]

  lifecycle {
    precondition {
      condition     = local.manifest.version == 1
      error_message = "${local.manifest_file} has format version ${local.manifest.version}; this module reads version 1. Use the module from the same Godwit version as the godwit CLI that synthesized it."
    }

    precondition {
      condition     = length(local.settings_drift) == 0
      error_message = "The template in ${var.synth_dir} was synthesized with other values of: ${join(", ", local.settings_drift)}. Synthesize again from the same values (godwit deploy synth --for terraform --settings <your .tfvars> --out ${var.synth_dir}), or set these variables to what the template was built with."
    }

    precondition {
      condition     = alltrue([for name in local.template_parameters : lookup(local.parameter_values, name, null) != null])
      error_message = "The template declares parameters this module cannot fill: ${join(", ", [for name in local.template_parameters : name if lookup(local.parameter_values, name, null) == null])}. On compute = \"fargate\", set container_image; otherwise use the module from the same Godwit version as the CLI."
    }
  }
}
