# The email templates bucket: private, KMS-encrypted, versioned, reachable over TLS only, with
# the repository's default templates uploaded under email-templates/.

locals {
  content_types = {
    html = "text/html; charset=utf-8"
    txt  = "text/plain; charset=utf-8"
    json = "application/json"
  }
  templates = fileset(var.templates_dir, "*")
}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_18:only Terraform writes and one function reads this bucket; CloudTrail records both, server access logs would add a second log bucket for no new information
  #checkov:skip=CKV_AWS_144:the templates are rebuilt from the repository by any apply; cross-region replication would copy what git already holds
  #checkov:skip=CKV2_AWS_62:nothing reacts to template changes (the consumer re-reads them after its short cache expires)
  bucket = var.name
  tags   = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expire-old-template-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

data "aws_iam_policy_document" "tls_only" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.this.arn,
      "${aws_s3_bucket.this.arn}/*",
    ]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.tls_only.json

  depends_on = [aws_s3_bucket_public_access_block.this]
}

resource "aws_s3_object" "template" {
  for_each = local.templates

  bucket       = aws_s3_bucket.this.id
  key          = "${var.prefix}${each.value}"
  source       = "${var.templates_dir}/${each.value}"
  content_type = lookup(local.content_types, reverse(split(".", each.value))[0], "application/octet-stream")
  kms_key_id   = var.kms_key_arn
  # With SSE-KMS the object's ETag is not the MD5 of its content, so `etag = filemd5(...)`
  # would show a change on every plan; source_hash detects real edits instead.
  source_hash = filemd5("${var.templates_dir}/${each.value}")
  tags        = var.tags

  depends_on = [aws_s3_bucket_server_side_encryption_configuration.this]
}
