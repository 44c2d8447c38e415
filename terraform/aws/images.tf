# One ECR repository per service, and (with build_images) the image built from the repository's Dockerfile and
# pushed during apply. There is no docker provider here: terraform_data + local-exec runs docker and the aws CLI.

locals {
  repo_root = abspath("${path.module}/../..")

  # Everything that goes into an image: a change gives a new tag, hence a new task definition and deployment.
  source_files = sort(setunion(
    fileset(local.repo_root, "{Dockerfile,.dockerignore,package.json,pnpm-lock.yaml,pnpm-workspace.yaml}"),
    fileset(local.repo_root, "{services,packages}/*/package.json"),
    fileset(local.repo_root, "{services,packages}/*/src/**"),
  ))
  source_hash = sha1(join("\n", [for f in local.source_files : "${f} ${filesha1("${local.repo_root}/${f}")}"]))
  image_tag   = coalesce(var.image_tag, "src-${substr(local.source_hash, 0, 12)}")
}

resource "aws_ecr_repository" "service" {
  for_each = local.services

  name                 = "${var.name_prefix}/${each.key}"
  image_tag_mutability = "MUTABLE"
  force_delete         = var.ecr_force_delete

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "AES256"
  }
}

resource "aws_ecr_lifecycle_policy" "service" {
  for_each = local.services

  repository = aws_ecr_repository.service[each.key].name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the 20 newest images"
      selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 20 }
      action       = { type = "expire" }
    }]
  })
}

# Output = the image reference, available only once the push finished: the task definitions use it, so they
# wait for the image. Replaced (rebuilt) whenever the reference, that is the tag, changes.
resource "terraform_data" "image" {
  for_each = var.build_images ? local.services : {}

  input            = "${aws_ecr_repository.service[each.key].repository_url}:${local.image_tag}"
  triggers_replace = ["${aws_ecr_repository.service[each.key].repository_url}:${local.image_tag}", var.image_platform]

  provisioner "local-exec" {
    working_dir = local.repo_root
    interpreter = ["bash", "-euo", "pipefail", "-c"]
    environment = {
      IMAGE    = "${aws_ecr_repository.service[each.key].repository_url}:${local.image_tag}"
      REGISTRY = split("/", aws_ecr_repository.service[each.key].repository_url)[0]
      SERVICE  = each.key
      PLATFORM = var.image_platform
      REGION   = var.region
    }
    command = <<-EOT
      aws ecr get-login-password --region "$REGION" | docker login --username AWS --password-stdin "$REGISTRY"
      # The context is sent as a tar without terraform/: a local terraform.tfstate holds the database password,
      # and the root .dockerignore does not exclude it (the Dockerfile copies the whole context).
      tar -c --exclude=./terraform --exclude=./.git --exclude='*/node_modules' --exclude=./node_modules \
        --exclude=./.tools --exclude=./.data . |
        docker build --platform "$PLATFORM" --build-arg SERVICE="$SERVICE" -t "$IMAGE" -
      docker push "$IMAGE"
    EOT
  }
}

locals {
  image = {
    for k, _ in local.services : k => (
      var.build_images ? terraform_data.image[k].output : "${aws_ecr_repository.service[k].repository_url}:${local.image_tag}"
    )
  }
}
