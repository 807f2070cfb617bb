import { runChaosCampaign, formatChaosFigures } from "./campaigns/chaos.ts";
const steps = process.argv[3] === undefined ? undefined : process.argv[3].split(",");
const f = await runChaosCampaign({ workDir: process.argv[4] ?? "/tmp/w25/chaos2", kills: Number(process.argv[2] ?? 12), seed: process.argv[5] ?? "chaos", ...(steps ? { steps } : {}), log: (l) => console.error(l) });
console.log(formatChaosFigures(f));
