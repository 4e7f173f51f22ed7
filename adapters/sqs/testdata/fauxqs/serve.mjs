// Starts the fauxqs SNS/SQS emulator on 127.0.0.1 and a free port, prints
// its URL on the first line of stdout, and exits when stdin closes (when the
// Go test that started it ends).
import { buildApp } from "fauxqs";

const app = buildApp({ logger: false });
const url = await app.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(url + "\n");
process.stdin.on("end", async () => {
  await app.close();
  process.exit(0);
});
process.stdin.resume();
