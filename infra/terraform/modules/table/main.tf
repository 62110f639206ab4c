# One service's DynamoDB table, defined by the same TABLE the service's code and the local
# emulator use, with point-in-time recovery and KMS encryption always on, and TTL where the code
# declares its attribute (TTL_ATTRIBUTE in dal/schema.py).

resource "aws_dynamodb_table" "this" {
  name                        = var.name
  billing_mode                = local.billing_mode
  hash_key                    = local.hash_key
  range_key                   = local.range_key
  deletion_protection_enabled = var.deletion_protection

  dynamic "attribute" {
    for_each = local.attributes
    content {
      name = attribute.value.name
      type = attribute.value.type
    }
  }

  dynamic "global_secondary_index" {
    for_each = local.global_secondary_indexes
    content {
      name               = global_secondary_index.value.name
      hash_key           = global_secondary_index.value.hash_key
      range_key          = global_secondary_index.value.range_key
      projection_type    = global_secondary_index.value.projection_type
      non_key_attributes = global_secondary_index.value.non_key_attributes
    }
  }

  dynamic "ttl" {
    for_each = var.ttl_attribute == null ? [] : [var.ttl_attribute]
    content {
      enabled        = true
      attribute_name = ttl.value
    }
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = local.billing_mode == "PAY_PER_REQUEST"
      error_message = "tables are on-demand (PAY_PER_REQUEST); the code's definition says otherwise."
    }
  }
}
