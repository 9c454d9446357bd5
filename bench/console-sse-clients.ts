// Simulated browsers for `BENCH_ONLY=console`: N Server-Sent Events streams on the console's live feed,
// in a process of their own so the API's CPU is measured without theirs. Prints one JSON line: every
// "windows" event received, as [client, sentAt, receivedAt] (epoch ms, one machine's clock).
const [url, n, ms] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4])];

async function stream(client: number, received: Array<[number, number, number]>, signal: AbortSignal): Promise<void> {
  const res = await fetch(url, { signal });
  if (res.status !== 200) throw new Error(`stream ${client}: HTTP ${res.status}`);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += decoder.decode(value, { stream: true });
      let end;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const event = buf.slice(0, end);
        buf = buf.slice(end + 2);
        if (!event.startsWith('event: windows\n')) continue;
        const at = Date.now();
        const data = JSON.parse(event.slice(event.indexOf('data: ') + 6)) as { sentAt: number };
        received.push([client, data.sentAt, at]);
      }
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  }
}

async function main(): Promise<void> {
  const received: Array<[number, number, number]> = [];
  const ctl = new AbortController();
  const running = Array.from({ length: n }, (_, i) => stream(i, received, ctl.signal));
  process.stderr.write(`sse clients: ${n} streams open\n`);
  await new Promise((r) => setTimeout(r, ms));
  ctl.abort();
  await Promise.allSettled(running);
  process.stdout.write(`${JSON.stringify({ received })}\n`);
}

void main();
