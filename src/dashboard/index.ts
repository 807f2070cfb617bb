export { startDashboard, type DashboardOptions, type RunningDashboard } from "./server.js";
export { realTimeScheduler, type Scheduler } from "./live-hub.js";
export type * from "./api-types.js";
