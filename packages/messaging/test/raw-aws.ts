// The AWS calls the services make most, written out over node:http with a SigV4 signature: the comparator that
// `npm run bench -- sdk` holds the AWS SDK against (what the SDK's machinery costs per call, beyond the bytes on
// the wire). Benchmarks only: the services talk to AWS through the SDK. It covers what the benchmark sends (SNS
// PublishBatch over the query protocol, SQS ReceiveMessage and DeleteMessageBatch over JSON, S3 PutObject and
// GetObject path-style) and no more: no retries, no redirects, no checksums, no XML beyond PublishBatch's answer.
import { createHash, createHmac } from "node:crypto";
import http from "node:http";

export interface RawAwsOptions {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

export function rawAws({ endpoint, region, credentials }: RawAwsOptions) {
  const url = new URL(endpoint);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
  const keys = new Map<string, Buffer>();
  const hmac = (key: Buffer | string, s: string) => createHmac("sha256", key).update(s).digest();
  /** The day's signing key per service, derived once (the SDK caches it too). */
  const signingKey = (date: string, service: string) => {
    const id = `${date}/${service}`;
    let key = keys.get(id);
    if (!key) {
      key = hmac(
        hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, date), region), service),
        "aws4_request",
      );
      keys.set(id, key);
    }
    return key;
  };

  /** One signed request (SigV4: every header below signed, the body's SHA-256 in the canonical request). */
  function request(
    service: string,
    method: "GET" | "POST" | "PUT",
    path: string,
    headers: Record<string, string>,
    body = "",
  ): Promise<{ text: string }> {
    const amzDate = new Date().toISOString().replace(/[:-]|\.\d{3}/g, "");
    const date = amzDate.slice(0, 8);
    const payloadHash = sha256(body);
    const h: Record<string, string> = { ...headers, host: url.host, "x-amz-date": amzDate };
    if (service === "s3") h["x-amz-content-sha256"] = payloadHash;
    const names = Object.keys(h).sort();
    const signed = names.join(";");
    const canonical = `${method}\n${path}\n\n${names.map((n) => `${n}:${h[n]}\n`).join("")}\n${signed}\n${payloadHash}`;
    const scope = `${date}/${region}/${service}/aws4_request`;
    const signature = createHmac("sha256", signingKey(date, service))
      .update(`AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256(canonical)}`)
      .digest("hex");
    h.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signed}, Signature=${signature}`;
    h["content-length"] = String(Buffer.byteLength(body));
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: url.hostname, port: url.port, method, path, headers: h, agent },
        (res) => {
          res.setEncoding("utf8");
          let text = "";
          res.on("data", (d: string) => {
            text += d;
          });
          res.on("end", () => {
            if ((res.statusCode ?? 0) >= 300)
              reject(new Error(`${service} ${res.statusCode}: ${text.slice(0, 300)}`));
            else resolve({ text });
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  const sqs = async <T>(target: string, input: unknown): Promise<T> => {
    const r = await request(
      "sqs",
      "POST",
      "/",
      { "content-type": "application/x-amz-json-1.0", "x-amz-target": `AmazonSQS.${target}` },
      JSON.stringify(input),
    );
    return (r.text ? JSON.parse(r.text) : {}) as T;
  };
  const enc = encodeURIComponent;

  return {
    /** SNS PublishBatch; answers the entry ids SNS took. */
    async publishBatch(
      topicArn: string,
      entries: Array<{ id: string; message: string; attributes: Record<string, string> }>,
    ): Promise<string[]> {
      let body = `Action=PublishBatch&Version=2010-03-31&TopicArn=${enc(topicArn)}`;
      entries.forEach((e, n) => {
        const p = `&PublishBatchRequestEntries.member.${n + 1}.`;
        body += `${p}Id=${enc(e.id)}${p}Message=${enc(e.message)}`;
        Object.entries(e.attributes).forEach(([name, value], m) => {
          const q = `${p}MessageAttributes.entry.${m + 1}.`;
          body += `${q}Name=${enc(name)}${q}Value.DataType=String${q}Value.StringValue=${enc(value)}`;
        });
      });
      const r = await request(
        "sns",
        "POST",
        "/",
        { "content-type": "application/x-www-form-urlencoded" },
        body,
      );
      const successful = /<Successful>([\s\S]*?)<\/Successful>/.exec(r.text)?.[1] ?? "";
      return [...successful.matchAll(/<Id>([^<]*)<\/Id>/g)].map((m) => m[1] ?? "");
    },
    receiveMessages: (queueUrl: string, max: number) =>
      sqs<{ Messages?: Array<{ ReceiptHandle: string; Body: string }> }>("ReceiveMessage", {
        QueueUrl: queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
        MessageAttributeNames: ["All"],
      }).then((r) => r.Messages ?? []),
    deleteMessages: (queueUrl: string, receiptHandles: string[]) =>
      sqs("DeleteMessageBatch", {
        QueueUrl: queueUrl,
        Entries: receiptHandles.map((h, i) => ({ Id: String(i), ReceiptHandle: h })),
      }),
    putObject: (bucket: string, key: string, body: string, contentType: string) =>
      request(
        "s3",
        "PUT",
        `/${bucket}/${enc(key).replaceAll("%2F", "/")}`,
        { "content-type": contentType },
        body,
      ),
    getObject: async (bucket: string, key: string) =>
      (await request("s3", "GET", `/${bucket}/${enc(key).replaceAll("%2F", "/")}`, {})).text,
    destroy: () => agent.destroy(),
  };
}
