import { ingestHandler, jsonResponse, parseWith } from "../shared/http/ingest.js";
import { REGISTRATION_LIMITS } from "../shared/http/limits.js";
import { registrationResponse } from "../shared/flows/mparticleToPushwoosh/registration.js";
import { moduleRegistrationRequestSchema } from "../shared/sources/mparticle/schema.js";

/** POST /mparticle/registration: no auth (mParticle sends none); answers what the module needs and offers. */
export const handler = ingestHandler(
  async (event) => {
    const request = parseWith(moduleRegistrationRequestSchema, event.json);
    return jsonResponse(200, registrationResponse(request));
  },
  { limits: REGISTRATION_LIMITS },
);
