/**
 * What the deployed functions get for `import { z } from "zod"` (esbuild `--alias:zod=`, set in
 * infra/constructs/RelayFunction.ts): the members the relay uses, as a plain object. zod's own `z` is a
 * namespace value that esbuild cannot tree-shake, so every bundle carried all of zod (454 KB minified,
 * 264 KB of it the error-message locales of 40+ languages) to use a tenth of it. English messages stay:
 * zod sets them when the module loads. Types still come from zod itself (tsc does not see the alias).
 * A member used in shared/ or functions/ but missing here fails test/infra/zodRuntime.test.ts.
 *
 * The relative path reaches past zod's export map on purpose: every "zod..." specifier is aliased here.
 */
import {
  NEVER,
  ZodError,
  ZodType,
  array,
  boolean,
  discriminatedUnion,
  enum as enumeration,
  iso,
  literal,
  looseObject,
  null as nullValue,
  number,
  object,
  record,
  strictObject,
  string,
  undefined as undefinedValue,
  union,
  unknown,
} from "../../node_modules/zod/v4/classic/external.js";

export const z = {
  NEVER,
  ZodError,
  ZodType,
  array,
  boolean,
  discriminatedUnion,
  enum: enumeration,
  iso,
  literal,
  looseObject,
  null: nullValue,
  number,
  object,
  record,
  strictObject,
  string,
  undefined: undefinedValue,
  union,
  unknown,
};
