output "standard_queue_url" {
  description = "URL of the standard queue."
  value       = aws_sqs_queue.standard.url
}

output "fifo_queue_url" {
  description = "URL of the FIFO queue (content-based deduplication)."
  value       = aws_sqs_queue.fifo.url
}

output "queue_names" {
  description = "The names to pass to the CLI's --name."
  value       = [aws_sqs_queue.standard.name, aws_sqs_queue.fifo.name]
}
