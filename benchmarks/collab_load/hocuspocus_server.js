// The peer server of benchmarks.collab_load, copied next to its node_modules and run there.
const { Server } = require("@hocuspocus/server");
const { SQLite } = require("@hocuspocus/extension-sqlite");
const [port, database, debounce] = process.argv.slice(2);
const sqlite = new SQLite({ database });
const options = { quiet: true, extensions: [sqlite] };
if (debounce !== "default") Object.assign(options, { debounce: 0, maxDebounce: 0 });
const server = new Server(options);
// Its `address` setting is ignored (it listens on every interface): bind it ourselves.
server.httpServer.listen(Number(port), "127.0.0.1", function ready() {
  if (!sqlite.db) return setTimeout(ready, 10);  // its onConfigure runs a little later
  sqlite.db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL", (error) => {
    console.log(error ? String(error) : "ready");
  });
});
