import type { Cluster } from "../cluster/cluster.js";
import { recordEvents, type EventInput, type EventRecorder } from "../cluster/events.js";
import { VelaError } from "../errors/index.js";
import type { KubeObject } from "../model/kube-object.js";
import type { Clock, JsonObject } from "../util/index.js";
import { saveApplicationStatus, statusOf } from "./application-object.js";
import { errorCondition, setCondition, type ConditionType, type ConditionUpdate } from "./conditions.js";

/**
 * What one reconcile pass carries from stage to stage: the Application as last read or written,
 * the status it is building (only top-level members are ever replaced, so the shallow copy keeps
 * `app` as read), whether the pass wrote anything, and the events its condition changes owe.
 */
export class PassState {
  app: KubeObject;
  readonly status: JsonObject;
  /** Whether the pass wrote anything (a fixed point is a pass that writes nothing). */
  wrote = false;
  /** The status holds changes a later {@link save} is to store ({@link deferSave}). */
  private saveOwed = false;
  private readonly pendingEvents: EventInput[] = [];

  constructor(
    private readonly cluster: Cluster,
    private readonly clock: Clock,
    app: KubeObject,
    private readonly log?: (message: string) => void,
    private readonly events?: EventRecorder,
  ) {
    this.app = app;
    this.status = { ...statusOf(app) };
  }

  /** Writes the status as it stands (a 409 ends the pass), then records the events its conditions owe. */
  async save(): Promise<void> {
    this.app = await saveApplicationStatus(this.cluster, this.app, this.status);
    this.wrote = true;
    this.saveOwed = false;
    await this.flushEvents();
  }

  /**
   * The status changed in a way that may wait for the pass's next write (the pass's final status
   * write, or a failure's): a crash before it only re-runs what it records.
   */
  deferSave(): void {
    this.saveOwed = true;
  }

  /** Sets a condition in the status being built; its event is recorded once a save has stored it. */
  setCondition(update: ConditionUpdate): void {
    const conditions = setCondition(this.status, update, () => this.clock.now());
    if (conditions === undefined) return;
    this.status.conditions = conditions;
    if (update.event !== undefined) this.pendingEvents.push(update.event);
  }

  /**
   * A stage failed: its condition goes False with the error's message and a Warning event, stored
   * at once (the pass ends here). The write is best-effort: the error the stage threw is what the
   * caller sees, whether or not the status could be written (an unreachable cluster, a 409).
   */
  async recordFailure(stage: ConditionType, error: VelaError): Promise<void> {
    this.setCondition(errorCondition(stage, error.message));
    if (this.pendingEvents.length === 0 && !this.saveOwed) return;
    try {
      await this.save();
    } catch (saveError) {
      if (!(saveError instanceof VelaError)) throw saveError;
      this.log?.(
        `cannot record the failed ${stage} condition of ${this.app.metadata.name ?? ""}: ${saveError.message}`,
      );
    }
  }

  /**
   * Events are a courtesy (client-go's recorder drops what it cannot write): a cluster that
   * refuses them (RBAC) or a conflict on the count still lets the pass go on.
   */
  private async flushEvents(): Promise<void> {
    const events = this.pendingEvents.splice(0);
    if (events.length === 0) return;
    const recorder = this.events;
    if (recorder === undefined) {
      await this.recordQuietly(events, () => recordEvents(this.cluster, this.app, events, this.clock.now()));
      return;
    }
    for (const event of events) {
      await this.recordQuietly([event], () => recorder.record(this.cluster, this.app, event, this.clock.now()));
    }
  }

  private async recordQuietly(events: readonly EventInput[], record: () => Promise<unknown>): Promise<void> {
    try {
      await record();
    } catch (error) {
      if (!(error instanceof VelaError)) throw error;
      const reasons = events.map((event) => event.reason).join(", ");
      this.log?.(`cannot record events ${reasons} on ${this.app.metadata.name ?? ""}: ${error.message}`);
    }
  }
}
