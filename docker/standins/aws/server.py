"""moto server on 0.0.0.0:4566 (as LocalStack's gateway), plus LocalStack's two status routes.

/_localstack/init/ready answers what entrypoint.sh recorded of the init hooks (the same shape LocalStack uses:
{"completed": bool, "scripts": [{"stage", "name", "state"}]}); /_localstack/health lists the services.
"""

import json
import os

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

STATE = os.environ.get("STANDIN_INIT_STATE", "/tmp/localstack-init.json")
os.environ.setdefault("MOTO_PORT", "4566")
moto_app = DomainDispatcherApplication(create_backend_app)


def app(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path.startswith("/_localstack/"):
        if path == "/_localstack/init/ready":
            try:
                with open(STATE, encoding="utf-8") as f:
                    body = f.read()
            except FileNotFoundError:
                body = json.dumps({"completed": False, "scripts": []})
        elif path == "/_localstack/health":
            services = {s: "running" for s in ("sns", "sqs", "s3")}
            body = json.dumps({"services": services, "edition": "stand-in (moto)"})
        else:
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [b'{"error": "not found"}']
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body.encode()]
    return moto_app(environ, start_response)


if __name__ == "__main__":
    run_simple("0.0.0.0", 4566, app, threaded=True)
