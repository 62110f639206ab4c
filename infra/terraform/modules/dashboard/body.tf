# The dashboard's widgets. Only locals here, so tests render them with `terraform console`.

locals {
  function_names = sort(keys(var.functions))
  queue_names    = sort(keys(var.queues))

  api_labels = sort(keys(var.apis))
  api_dimensions = {
    for label, api in var.apis : label => ["ApiName", api.name, "Stage", api.stage]
  }

  api_widgets = [
    {
      type = "metric", x = 0, y = 0, width = 8, height = 6
      properties = {
        title  = "API requests and errors"
        region = var.region
        stat   = "Sum"
        period = 60
        view   = "timeSeries"
        metrics = flatten([
          for label in local.api_labels : [
            for metric in ["Count", "4XXError", "5XXError"] :
            concat(["AWS/ApiGateway", metric], local.api_dimensions[label], [{ label = "${label} ${metric}" }])
          ]
        ])
      }
    },
    {
      type = "metric", x = 8, y = 0, width = 8, height = 6
      properties = {
        title  = "API latency (p50, p95, p99)"
        region = var.region
        period = 60
        view   = "timeSeries"
        metrics = flatten([
          for label in local.api_labels : [
            for stat in ["p50", "p95", "p99"] :
            concat(["AWS/ApiGateway", "Latency"], local.api_dimensions[label], [{ stat = stat, label = "${label} ${stat}" }])
          ]
        ])
      }
    },
    {
      type = "metric", x = 16, y = 0, width = 8, height = 6
      properties = {
        title  = "API integration latency (p95)"
        region = var.region
        period = 60
        view   = "timeSeries"
        metrics = [
          for label in local.api_labels :
          concat(["AWS/ApiGateway", "IntegrationLatency"], local.api_dimensions[label], [{ stat = "p95", label = label }])
        ]
      }
    },
  ]

  function_metric = {
    for key, name in var.functions : key => ["FunctionName", name, "Resource", "${name}:live"]
  }

  function_widgets = [
    for index, metric in ["Errors", "Throttles", "Duration"] : {
      type = "metric", x = index * 8, y = 6, width = 8, height = 6
      properties = {
        title  = metric == "Duration" ? "Lambda duration p95 (live alias)" : "Lambda ${lower(metric)} (live alias)"
        region = var.region
        period = 60
        view   = "timeSeries"
        stat   = metric == "Duration" ? "p95" : "Sum"
        metrics = [
          for key in local.function_names : concat(["AWS/Lambda", metric], local.function_metric[key], [{ label = key }])
        ]
      }
    }
  ]

  queue_widgets = [
    {
      type = "metric", x = 0, y = 12, width = 8, height = 6
      properties = {
        title  = "Queue depth"
        region = var.region
        stat   = "Maximum"
        period = 60
        view   = "timeSeries"
        metrics = [
          for key in local.queue_names : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.queues[key].name, { label = key }]
        ]
      }
    },
    {
      type = "metric", x = 8, y = 12, width = 8, height = 6
      properties = {
        title  = "Age of oldest message (s)"
        region = var.region
        stat   = "Maximum"
        period = 60
        view   = "timeSeries"
        metrics = [
          for key in local.queue_names : ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", var.queues[key].name, { label = key }]
        ]
      }
    },
    {
      type = "metric", x = 16, y = 12, width = 8, height = 6
      properties = {
        title  = "Dead-letter queue depth"
        region = var.region
        stat   = "Maximum"
        period = 60
        view   = "timeSeries"
        metrics = [
          for key in local.queue_names : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.queues[key].dlq_name, { label = "${key} DLQ" }]
        ]
      }
    },
  ]

  # SES: the account's reputation (what AWS reviews and pauses on), the volume behind it, and the
  # reputation alarms' states.
  email_widgets = concat(
    [
      {
        type = "metric", x = 0, y = 18, width = 8, height = 6
        properties = {
          title  = "SES reputation (bounce and complaint rate)"
          region = var.region
          stat   = "Maximum"
          period = 900
          view   = "timeSeries"
          metrics = [
            ["AWS/SES", "Reputation.BounceRate", { label = "bounce rate" }],
            ["AWS/SES", "Reputation.ComplaintRate", { label = "complaint rate", yAxis = "right" }],
          ]
        }
      },
      {
        type = "metric", x = 8, y = 18, width = 8, height = 6
        properties = {
          title  = "SES sends, bounces, complaints, rejects"
          region = var.region
          stat   = "Sum"
          period = 300
          view   = "timeSeries"
          metrics = [
            for metric in ["Send", "Delivery", "Bounce", "Complaint", "Reject"] : ["AWS/SES", metric, { label = metric }]
          ]
        }
      },
    ],
    length(var.email_alarm_arns) == 0 ? [] : [
      {
        type = "alarm", x = 16, y = 18, width = 8, height = 6
        properties = {
          title  = "SES reputation alarms"
          alarms = var.email_alarm_arns
        }
      },
    ],
  )
}
