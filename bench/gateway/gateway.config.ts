// Hive Gateway in front of the same subgraphs as our router, for the router benchmark
// (bench/src/router_throughput.rs). It serves the committed schema/supergraph.graphql
// (given on the command line); the subgraph URLs are the supergraph's join__graph URLs
// (http://127.0.0.1:4001-4013/graphql), where `chaos all` listens.
import { defineConfig } from '@graphql-hive/gateway';

export const gatewayConfig = defineConfig({
  // Like our router (router/router.config.yaml `headers`): the subgraphs verify the
  // player's token again, so it must reach them.
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      return {
        authorization: request.headers.get('authorization') ?? undefined,
      };
    },
  },
  // One process: the benchmark reads its CPU time and peak RSS from /proc/<pid>.
  fork: 1,
  // Production-like: no GraphiQL page, no per-request logging.
  graphiql: false,
  logging: 'warn',
});
