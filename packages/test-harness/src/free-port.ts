// One implementation for the launcher (devstack) and the tests: @taskoverflow/platform/net.
export { freePort } from "@taskoverflow/platform/net";
