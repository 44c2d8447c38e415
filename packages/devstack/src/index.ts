export { prettyLines } from "./log-format.ts";
export { allServices, defaultPorts, repoRoot, type ServiceName } from "./services.ts";
export { type AwsTarget, type Stack, type StackOptions, startStack } from "./stack.ts";
