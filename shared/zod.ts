/**
 * The zod every schema of the relay is written with: zod/mini, zod's functional API, whose unused parts a
 * bundler leaves out (zod's classic `z` is one object that carries all of zod into every Lambda bundle;
 * https://zod.dev/packages/mini). zod/mini loads no locale, so its issues would all read "Invalid input":
 * English, the messages zod itself gives, is configured here, once, before any schema parses.
 */
import { en } from "zod/locales";
import { config } from "zod/mini";

config(en());

export * from "zod/mini";
