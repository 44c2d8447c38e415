// The rehearsal's checks of the edge and operations: alarms and where they go, the load balancer's listeners
// and access logs, VPC flow logs, the logs bucket, the alarm e-mail subscription (on with the extras, off without).
import { expect, it } from "@jest/globals";
import { aws } from "./lib.ts";
import type { Rehearsal } from "./rehearsal.ts";

export function edgeChecks(rh: Rehearsal, labRole: string | undefined): void {
  it(`raises alarms to the alarms topic; ${labRole ? "HTTPS with a redirect, access and flow logs" : "plain HTTP, no logs bucket"}`, async () => {
    const alarms = (
      (await aws(rh.endpoint, "cloudwatch", "describe-alarms")) as {
        MetricAlarms: { AlarmName: string; MetricName: string; AlarmActions: string[] }[];
      }
    ).MetricAlarms;
    const topic = (JSON.parse(rh.outputs) as Record<string, { value: unknown }>).alarms_topic_arn?.value;
    expect(alarms.map((a) => a.MetricName).sort()).toEqual(
      [
        // One per dead-letter queue: calendar, job-status, explorer.
        "ApproximateNumberOfMessagesVisible",
        "ApproximateNumberOfMessagesVisible",
        "ApproximateNumberOfMessagesVisible",
        "CPUUtilization",
        "FreeStorageSpace",
        "HTTPCode_ELB_5XX_Count",
        "HTTPCode_Target_5XX_Count",
        "HealthyHostCount",
        "UnHealthyHostCount",
      ].sort(),
    );
    for (const a of alarms)
      expect({ alarm: a.AlarmName, actions: a.AlarmActions }).toEqual({
        alarm: a.AlarmName,
        actions: [topic],
      });

    const lb = (
      (await aws(rh.endpoint, "elbv2", "describe-load-balancers")) as {
        LoadBalancers: { LoadBalancerArn: string }[];
      }
    ).LoadBalancers[0];
    const listeners = (
      (await aws(
        rh.endpoint,
        "elbv2",
        "describe-listeners",
        "--load-balancer-arn",
        lb?.LoadBalancerArn ?? "",
      )) as {
        Listeners: { Port: number; Protocol: string; DefaultActions: { Type: string }[] }[];
      }
    ).Listeners.map((l) => ({ port: l.Port, protocol: l.Protocol, action: l.DefaultActions[0]?.Type })).sort(
      (a, b) => a.port - b.port,
    );
    const attributes = (
      (await aws(
        rh.endpoint,
        "elbv2",
        "describe-load-balancer-attributes",
        "--load-balancer-arn",
        lb?.LoadBalancerArn ?? "",
      )) as {
        Attributes: { Key: string; Value: string }[];
      }
    ).Attributes;
    const flowLogs = (
      (await aws(rh.endpoint, "ec2", "describe-flow-logs")) as { FlowLogs: { LogDestinationType: string }[] }
    ).FlowLogs;
    const buckets = (
      (await aws(rh.endpoint, "s3api", "list-buckets")) as { Buckets: { Name: string }[] }
    ).Buckets.map((b) => b.Name);
    const subscriptions = (
      (await aws(rh.endpoint, "sns", "list-subscriptions-by-topic", "--topic-arn", String(topic))) as {
        Subscriptions: { Protocol: string }[];
      }
    ).Subscriptions.map((s) => s.Protocol);
    if (labRole) {
      expect(listeners).toEqual([
        { port: 80, protocol: "HTTP", action: "redirect" },
        { port: 443, protocol: "HTTPS", action: "forward" },
      ]);
      expect(attributes).toContainEqual({ Key: "access_logs.s3.enabled", Value: "true" });
      expect(flowLogs.map((f) => f.LogDestinationType)).toEqual(["s3"]);
      expect(buckets.filter((b) => b.includes("-logs-"))).toHaveLength(1);
      expect(subscriptions).toEqual(["email"]);
    } else {
      expect(listeners).toEqual([{ port: 80, protocol: "HTTP", action: "forward" }]);
      expect(flowLogs).toEqual([]);
      expect(buckets.filter((b) => b.includes("-logs-"))).toEqual([]);
      expect(subscriptions).toEqual([]);
    }
  });
}
