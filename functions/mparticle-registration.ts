import { ingestHandler, jsonResponse, parseJson, parseWith } from "../shared/http/ingest.js";
import { registrationResponse } from "../shared/sources/mparticle/registration.js";
import { moduleRegistrationRequestSchema } from "../shared/sources/mparticle/schema.js";

/** POST /mparticle/registration: no auth (mParticle sends none); answers what the module needs and offers. */
export const handler = ingestHandler(async (event) => {
  const request = parseWith(moduleRegistrationRequestSchema, parseJson(event.rawBody));
  return jsonResponse(200, registrationResponse(request));
});
