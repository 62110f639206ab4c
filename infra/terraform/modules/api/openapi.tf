# The OpenAPI 3.0 body of the REST API, built from routes.json, which is generated from the
# code's route table (bbws.core.routes.ROUTES). Only locals here, so tests render this file
# with `terraform console` and compare it with the route table.

locals {
  routes = jsondecode(file("${path.module}/routes.json")).routes
  paths  = distinct([for route in local.routes : route.path])

  # What the gateway demands per access mode (bbws.core.routes.Access). API Gateway cannot
  # make a token optional, so a public route never sees a caller's claims; the staff API
  # (authorize_every_route) serves the same routes with the token required on all of them.
  security_modes = {
    public = {
      public  = []
      api_key = [{ storefront_api_key = [] }]
      token   = [{ cognito = [] }]
    }
    staff = {
      public  = [{ cognito = [] }]
      api_key = [{ cognito = [] }]
      token   = [{ cognito = [] }]
    }
  }
  security = local.security_modes[var.authorize_every_route ? "staff" : "public"]

  operations = {
    for route in local.routes : "${route.method} ${route.path}" => {
      operationId = trim(replace(lower("${route.method} ${route.path}"), "/[^a-z0-9]+/", "-"), "-")
      parameters = [
        for match in regexall("\\{([^}]+)\\}", route.path) : {
          name     = match[0]
          in       = "path"
          required = true
          schema   = { type = "string" }
        }
      ]
      security = local.security[route.access]
      responses = {
        default = { description = "The function's response; errors are application/problem+json." }
      }
      "x-amazon-apigateway-integration" = {
        type                = "aws_proxy"
        httpMethod          = "POST"
        uri                 = var.functions[route.function].invoke_arn
        passthroughBehavior = "when_no_match"
        timeoutInMillis     = 29000
      }
    }
  }

  # Errors the gateway answers itself, in the same RFC 9457 shape as the functions' errors
  # (SPEC section 3: a missing or invalid key or token is a 401, an unknown route a 404).
  gateway_problems = {
    UNAUTHORIZED                   = { status = 401, title = "Unauthorized", slug = "unauthorized" }
    EXPIRED_TOKEN                  = { status = 401, title = "Unauthorized", slug = "unauthorized" }
    INVALID_API_KEY                = { status = 401, title = "Unauthorized", slug = "unauthorized" }
    ACCESS_DENIED                  = { status = 403, title = "Forbidden", slug = "forbidden" }
    WAF_FILTERED                   = { status = 403, title = "Forbidden", slug = "forbidden" }
    MISSING_AUTHENTICATION_TOKEN   = { status = 404, title = "Not Found", slug = "not-found" }
    RESOURCE_NOT_FOUND             = { status = 404, title = "Not Found", slug = "not-found" }
    REQUEST_TOO_LARGE              = { status = 413, title = "Payload Too Large", slug = "payload-too-large" }
    THROTTLED                      = { status = 429, title = "Too Many Requests", slug = "throttled" }
    QUOTA_EXCEEDED                 = { status = 429, title = "Too Many Requests", slug = "throttled" }
    BAD_REQUEST_PARAMETERS         = { status = 400, title = "Invalid request", slug = "invalid-request" }
    BAD_REQUEST_BODY               = { status = 400, title = "Invalid request", slug = "invalid-request" }
    DEFAULT_4XX                    = { status = 400, title = "Bad Request", slug = "bad-request" }
    API_CONFIGURATION_ERROR        = { status = 500, title = "Internal Server Error", slug = "internal" }
    AUTHORIZER_CONFIGURATION_ERROR = { status = 500, title = "Internal Server Error", slug = "internal" }
    AUTHORIZER_FAILURE             = { status = 500, title = "Internal Server Error", slug = "internal" }
    INTEGRATION_FAILURE            = { status = 502, title = "Bad Gateway", slug = "bad-gateway" }
    DEFAULT_5XX                    = { status = 502, title = "Bad Gateway", slug = "bad-gateway" }
    INTEGRATION_TIMEOUT            = { status = 504, title = "Gateway Timeout", slug = "timeout" }
  }

  gateway_responses = {
    for kind, problem in local.gateway_problems : kind => {
      statusCode = tostring(problem.status)
      responseParameters = {
        "gatewayresponse.header.Content-Type" = "'application/problem+json'"
      }
      responseTemplates = {
        # $context.error.messageString is the gateway's message as a quoted, escaped JSON string.
        "application/json" = "{\"type\":\"https://bbws.dev/problems/${problem.slug}\",\"title\":\"${problem.title}\",\"status\":${problem.status},\"detail\":$context.error.messageString}"
      }
    }
  }

  openapi = {
    openapi = "3.0.1"
    info = {
      title   = var.name
      version = "1.0"
    }
    paths = {
      for path in local.paths : path => merge([
        for route in local.routes : { (lower(route.method)) = local.operations["${route.method} ${route.path}"] }
        if route.path == path
      ]...)
    }
    components = {
      securitySchemes = {
        storefront_api_key = {
          type = "apiKey"
          name = "x-api-key"
          in   = "header"
        }
        cognito = {
          type                           = "apiKey"
          name                           = "Authorization"
          in                             = "header"
          "x-amazon-apigateway-authtype" = "cognito_user_pools"
          "x-amazon-apigateway-authorizer" = {
            type         = "cognito_user_pools"
            providerARNs = [var.user_pool_arn]
          }
        }
      }
    }
    "x-amazon-apigateway-api-key-source" = "HEADER"
    "x-amazon-apigateway-request-validators" = {
      parameters = {
        validateRequestParameters = true
        validateRequestBody       = false # bodies are validated by each function's pydantic models
      }
    }
    "x-amazon-apigateway-request-validator" = "parameters"
    "x-amazon-apigateway-gateway-responses" = local.gateway_responses
  }
}
