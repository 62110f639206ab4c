# The create_table definition from the code, translated into the provider's arguments. Only
# locals here, so tests evaluate this file with `terraform console` (no provider needed).

locals {
  key_schema = { for key in var.definition.KeySchema : key.KeyType => key.AttributeName }
  hash_key   = local.key_schema["HASH"]
  range_key  = lookup(local.key_schema, "RANGE", null)

  attributes = [
    for attribute in var.definition.AttributeDefinitions : {
      name = attribute.AttributeName
      type = attribute.AttributeType
    }
  ]

  global_secondary_indexes = [
    for index in try(var.definition.GlobalSecondaryIndexes, []) : {
      name               = index.IndexName
      hash_key           = one([for key in index.KeySchema : key.AttributeName if key.KeyType == "HASH"])
      range_key          = one([for key in index.KeySchema : key.AttributeName if key.KeyType == "RANGE"])
      projection_type    = index.Projection.ProjectionType
      non_key_attributes = try(index.Projection.NonKeyAttributes, null)
    }
  ]

  billing_mode = try(var.definition.BillingMode, "PAY_PER_REQUEST")
}
