# One ECR repository per service, and (with build_images) the image built from the repository's Dockerfile and
# pushed during apply. There is no docker provider here: terraform_data + local-exec runs docker and the aws CLI.

locals {
  repo_root = abspath("${path.module}/../..")

  # Everything the image build copies (the Dockerfile's COPY . . of the build context, which is the repository
  # without terraform/, .git and what .dockerignore leaves out): a change to any of it gives a new tag, hence a
  # new task definition and a rolling deployment, and the same files always give the same tag. The patterns
  # name the folders instead of "**" so that fileset() does not walk node_modules; a test
  # (terraform/test/static.infra.test.ts) fails when a file of the build context is not covered.
  source_files = sort(setsubtract(setunion(
    fileset(local.repo_root, "{*,.*}"),
    fileset(local.repo_root, "{services,packages}/*/*"),
    fileset(local.repo_root, "{services,packages}/*/{src,public,docs}/**"),
    ), setunion(
    [".git"],
    fileset(local.repo_root, "{*.log,.env,.env.*}"),
    # .dockerignore: Markdown, tests and test folders never reach an image.
    fileset(local.repo_root, "*.md"),
    fileset(local.repo_root, "{services,packages}/*/*.md"),
    fileset(local.repo_root, "{services,packages}/*/{src,public,docs}/**/*.md"),
    fileset(local.repo_root, "{services,packages}/*/*.test.ts"),
    fileset(local.repo_root, "{services,packages}/*/{src,public,docs}/**/*.test.ts"),
    fileset(local.repo_root, "{services,packages}/*/{src,public,docs}/**/test/**"),
  )))
  source_hash = sha1(join("\n", [for f in local.source_files : "${f} ${filesha1("${local.repo_root}/${f}")}"]))
  image_tag   = coalesce(var.image_tag, "src-${substr(local.source_hash, 0, 12)}")
}

resource "aws_ecr_repository" "service" {
  for_each = local.services

  name = "${var.name_prefix}/${each.key}"
  # A tag names one image for good: a deployment of src-<hash> runs exactly what that hash was built from.
  image_tag_mutability = "IMMUTABLE"
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
      REPO     = aws_ecr_repository.service[each.key].name
      TAG      = local.image_tag
      CA_PATH  = var.db_ca_bundle_path
      REGISTRY = split("/", aws_ecr_repository.service[each.key].repository_url)[0]
      SERVICE  = each.key
      PLATFORM = var.image_platform
      REGION   = var.region
    }
    command = <<-EOT
      # Tags are immutable: an image already pushed under this tag was built from the same files.
      if aws ecr describe-images --region "$REGION" --repository-name "$REPO" --image-ids imageTag="$TAG" >/dev/null 2>&1; then
        echo "$IMAGE is in ECR already"
        exit 0
      fi
      aws ecr get-login-password --region "$REGION" | docker login --username AWS --password-stdin "$REGISTRY"
      # The context is sent as a tar without terraform/: a local terraform.tfstate holds the database password,
      # and the root .dockerignore does not exclude it (the Dockerfile copies the whole context).
      tar -c --exclude=./terraform --exclude=./.git --exclude='*/node_modules' --exclude=./node_modules \
        --exclude=./.tools --exclude=./.data . |
        docker build --platform "$PLATFORM" --build-arg SERVICE="$SERVICE" -t "$IMAGE" -
      # The services connect to RDS with sslmode=verify-full against this file (README: TLS to the database).
      if ! docker run --rm --platform "$PLATFORM" --entrypoint test "$IMAGE" -s "$CA_PATH"; then
        echo "$IMAGE has no RDS CA bundle at $CA_PATH (db_ca_bundle_path): see terraform/README.md, TLS to the database" >&2
        exit 1
      fi
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
