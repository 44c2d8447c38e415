export default async function globalTeardown(): Promise<void> {
  const infra = globalThis.__taskoverflowInfra;
  if (!infra) return;
  await Promise.all(infra.aws.map((e) => e.stop()));
  await infra.postgres.stop();
}
