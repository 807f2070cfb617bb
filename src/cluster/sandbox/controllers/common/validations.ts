import { ValidationError, type ValidationIssue } from "../../../../errors/index.js";
import { kubeObjectOf, type KubeObject } from "../../../../model/kube-object.js";
import { toJsonValue } from "../../../../util/index.js";
import type { ControllerView, SimulatedAdmission, SimulatedValidation } from "../../controller-contract.js";
import { mergeApplied } from "../../store/field-set.js";

/** `kind ns/name`, for messages. */
function subject(object: KubeObject): string {
  const namespace = object.metadata.namespace;
  return `${object.kind} ${namespace === undefined ? "" : `${namespace}/`}${object.metadata.name ?? ""}`;
}

/** A validating webhook as an admission: the write is refused with every problem (`ValidationError`). */
export function validatingAdmission(validation: SimulatedValidation): SimulatedAdmission {
  return {
    name: validation.name,
    ...(validation.addon === undefined ? {} : { addon: validation.addon }),
    admit(operation, incoming, existing, view) {
      const issues = validation.validate(operation, incoming, existing, view);
      if (issues.length === 0) return incoming;
      throw new ValidationError(
        issues.map((item) => ({ ...item, message: `${subject(incoming)}: ${item.message}` })),
        issues.length === 1 ? undefined : `${subject(incoming)}: ${issues.length} problems found`,
      );
    },
  };
}

/**
 * The problems the enabled validating webhooks find in `object`, judged as a server-side apply would
 * store it (a partial object is merged into the stored one first), so a command can refuse every
 * object before its first write.
 */
export function findWebhookIssues(
  validations: readonly SimulatedValidation[],
  view: ControllerView,
  enabledAddons: ReadonlySet<string>,
  object: KubeObject,
): readonly ValidationIssue[] {
  const existing = view.get({
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name ?? "",
    namespace: object.metadata.namespace ?? "default",
  });
  const { status: _status, ...applied } = object;
  const incoming =
    existing === undefined
      ? object
      : kubeObjectOf(
          mergeApplied(toJsonValue(structuredClone(existing)), toJsonValue(applied)),
          `${object.kind} ${object.metadata.name ?? ""}`,
        );
  return validations
    .filter((validation) => validation.addon === undefined || enabledAddons.has(validation.addon))
    .flatMap((validation) =>
      validation.validate(existing === undefined ? "CREATE" : "UPDATE", incoming, existing, view),
    );
}
