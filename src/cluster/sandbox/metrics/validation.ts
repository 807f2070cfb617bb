import type { SimulatedValidation } from "../controller-contract.js";
import { objectAt } from "../controllers/common/fields.js";
import { behaviourIssues } from "./behaviour.js";

/**
 * Refuses a workload whose pod template (or a pod) carries a behaviour annotation that does not read
 * (`sandbox.vela-ts.dev/error-rate: "half"`), so a release never runs with a behaviour nobody asked for.
 */
export const behaviourAnnotationValidation: SimulatedValidation = {
  name: "sandbox-behaviour-annotations",
  validate(_operation, incoming) {
    if (incoming.kind === "Pod") return behaviourIssues(incoming.metadata.annotations, "/metadata/annotations");
    const template = objectAt(incoming, ["spec", "template", "metadata", "annotations"]);
    return template === undefined ? [] : behaviourIssues(template, "/spec/template/metadata/annotations");
  },
};
