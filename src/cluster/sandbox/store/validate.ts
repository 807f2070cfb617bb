import { ValidationError, type ValidationIssue } from "../../../errors/index.js";
import { isJsonObject } from "../../../util/index.js";
import { isValidLabelKey, isValidLabelValue } from "../../selector.js";

const OBJECT_HINT =
  "every object needs apiVersion, kind and metadata.name, e.g. `apiVersion: apps/v1`, `kind: Deployment`, `metadata: {name: web}`";
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Whether the API server accepts `name` for an object of `apiVersion`: RBAC objects take any path
 * segment name (`ValidateRBACName`: no `/` or `%`, not `.` or `..`, so `ns:reader` is fine), the
 * others a DNS subdomain.
 */
function isValidObjectName(name: string, apiVersion: unknown): boolean {
  if (typeof apiVersion === "string" && apiVersion.startsWith("rbac.authorization.k8s.io/"))
    return name !== "." && name !== ".." && !/[/%]/.test(name);
  return DNS_SUBDOMAIN.test(name);
}

function issue(message: string, path: string, hint = OBJECT_HINT): ValidationIssue {
  return { code: "E_INVALID_OBJECT", message, path, hint };
}

/**
 * The problems that make the API server reject an object outright (missing apiVersion, kind or
 * name, malformed names, namespaces, labels). All are gathered, none thrown.
 */
export function findObjectIssues(value: unknown, where = ""): ValidationIssue[] {
  const subject = where === "" ? "object" : where;
  if (!isJsonObject(value)) return [issue(`${subject} is not a mapping`, "")];
  const issues: ValidationIssue[] = [];
  if (typeof value["apiVersion"] !== "string" || value["apiVersion"] === "")
    issues.push(issue(`${subject} has no apiVersion`, "/apiVersion"));
  if (typeof value["kind"] !== "string" || value["kind"] === "") issues.push(issue(`${subject} has no kind`, "/kind"));
  const metadata = value["metadata"];
  if (!isJsonObject(metadata)) {
    issues.push(issue(`${subject} has no metadata`, "/metadata"));
    return issues;
  }
  const { name, generateName, namespace, labels, annotations } = metadata;
  if (name === undefined || name === "") {
    if (typeof generateName !== "string" || generateName === "")
      issues.push(
        issue(
          `${subject} has no metadata.name`,
          "/metadata/name",
          "set metadata.name (or metadata.generateName for a generated name)",
        ),
      );
  } else if (typeof name !== "string" || !isValidObjectName(name, value["apiVersion"])) {
    issues.push(
      issue(
        `metadata.name ${JSON.stringify(name)} is not a valid name`,
        "/metadata/name",
        "names are lower-case letters, digits, '-' and '.', start and end alphanumeric, at most 253 characters",
      ),
    );
  }
  if (namespace !== undefined && (typeof namespace !== "string" || !DNS_LABEL.test(namespace))) {
    issues.push(
      issue(
        `metadata.namespace ${JSON.stringify(namespace)} is not a valid namespace`,
        "/metadata/namespace",
        "namespaces are lower-case letters, digits and '-', at most 63 characters",
      ),
    );
  }
  if (labels !== undefined) {
    if (!isJsonObject(labels))
      issues.push(issue("metadata.labels is not a mapping", "/metadata/labels", "labels map keys to string values"));
    else {
      for (const [key, labelValue] of Object.entries(labels)) {
        const pointer = `/metadata/labels/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
        if (!isValidLabelKey(key))
          issues.push(
            issue(
              `label key "${key}" is not valid`,
              pointer,
              "label keys are `[prefix/]name`, name at most 63 characters of letters, digits, '-', '_', '.'",
            ),
          );
        if (typeof labelValue !== "string")
          issues.push(
            issue(
              `label "${key}" has a ${labelValue === null ? "null" : typeof labelValue} value`,
              pointer,
              "label values are strings; quote numbers and booleans",
            ),
          );
        else if (!isValidLabelValue(labelValue))
          issues.push(
            issue(
              `label "${key}" has an invalid value "${labelValue}"`,
              pointer,
              "label values are at most 63 characters of letters, digits, '-', '_', '.', alphanumeric at both ends",
            ),
          );
      }
    }
  }
  if (annotations !== undefined) {
    if (!isJsonObject(annotations))
      issues.push(
        issue(
          "metadata.annotations is not a mapping",
          "/metadata/annotations",
          "annotations map keys to string values",
        ),
      );
    else {
      for (const [key, annotationValue] of Object.entries(annotations)) {
        if (typeof annotationValue !== "string")
          issues.push(
            issue(
              `annotation "${key}" has a non-string value`,
              `/metadata/annotations/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`,
              "annotation values are strings; quote numbers and booleans",
            ),
          );
      }
    }
  }
  return issues;
}

/** Throws a `ValidationError` (code `E_INVALID_OBJECT`) listing every problem of `value`. */
export function assertValidObject(value: unknown, where?: string): void {
  const issues = findObjectIssues(value, where);
  if (issues.length > 0) throw new ValidationError(issues);
}
