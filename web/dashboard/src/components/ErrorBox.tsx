import type { ApiError } from "../../../../src/dashboard/api-types.ts";

/** A failed operation: the error's code, message, where in the file, and how to fix it. */
export function ErrorBox(props: { readonly error: ApiError }) {
  const errors = props.error.issues ?? [props.error];
  return (
    <div class="error-box" role="alert">
      {errors.map((error, index) => (
        <div key={index} class="error-item">
          <div>
            <code>{error.code}</code> {error.message}
          </div>
          {(error.source !== undefined || error.path !== undefined) && (
            <div class="error-where">
              {error.source === undefined ? "" : `line ${error.source.line}, column ${error.source.column}`}
              {error.path === undefined ? "" : ` (${error.path})`}
            </div>
          )}
          {error.hint !== undefined && <div class="error-hint">hint: {error.hint}</div>}
        </div>
      ))}
    </div>
  );
}
