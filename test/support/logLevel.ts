import type { LogLevel } from "@aws-lambda-powertools/logger/types";
import { logger } from "../../shared/observability.js";

/**
 * Sets the relay logger's level until the returned function puts the previous one back. Powertools'
 * injectLambdaContext sets the configured level again at every invocation (its debug-log sampling is
 * decided per invocation), so while a level is held here that refresh is switched off.
 */
export function holdLogLevel(level: LogLevel): () => void {
  const previous = logger.getLevelName();
  logger.refreshSampleRateCalculation = () => undefined;
  logger.setLogLevel(level);
  return () => {
    // The own property hid the prototype's method; deleting it brings the method back.
    Reflect.deleteProperty(logger, "refreshSampleRateCalculation");
    logger.setLogLevel(previous);
  };
}
