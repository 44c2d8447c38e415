/** Creates `n` todos with deadlines through the gateway's API (8 at a time): seeding where no SQL reaches the data. */
export async function seedThroughApi(gateway: string, n: number): Promise<void> {
  let next = 1;
  const worker = async () => {
    for (let i = next++; i <= n; i = next++) {
      const res = await fetch(`${gateway}/api/v1/todos`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          title: `Todo ${i}, with; punctuation`,
          description: "Seeded by bench/feed.ts",
          deadline_at: new Date(Date.UTC(2031, 0, 1, 9) + i * 60_000).toISOString().slice(0, 19),
        }),
      });
      if (res.status !== 201) throw new Error(`POST /todos: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}
