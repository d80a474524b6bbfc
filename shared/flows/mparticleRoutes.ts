import { inboundMparticleToken, type MparticleRoute } from "../sources/mparticle/accept.js";
import { pushwooshRoute } from "./mparticleToPushwoosh/route.js";

/** The ingest side of every flow fed by mParticle (Pushwoosh's credentials are sealed under the inbound token). */
export async function mparticleRoutes(): Promise<MparticleRoute[]> {
  return [pushwooshRoute(await inboundMparticleToken())];
}
