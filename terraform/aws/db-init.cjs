// db-init: the one-shot ECS task of terraform/aws (database.tf). Runs as `node -e <this file>` in the todo image,
// working directory packages/platform (where `pg` resolves). For every DATABASE_URL_<SERVICE> in its environment
// (each service's secret, injected by ECS) it makes sure that the URL's user exists as a login role with the
// URL's password, that the URL's database exists and is owned by that role, and that no other role may connect
// to it. It connects as the RDS master user (MASTER_USERNAME, MASTER_PASSWORD from the RDS-managed secret) to
// DB_HOST:DB_PORT, database "postgres", with TLS verified against DB_SSL_ROOT_CERT (empty: no TLS, tests only).
// Idempotent: run it again and it changes only what differs. It never prints a password.
const { readFileSync } = require("node:fs");
const pg = require("pg");

const log = (msg, fields = {}) =>
  process.stdout.write(
    `${JSON.stringify({ level: 30, time: Date.now(), name: "db-init", ...fields, msg })}\n`,
  );

function targets(env) {
  const found = [];
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith("DATABASE_URL_") || !value) continue;
    const url = new URL(value);
    found.push({
      key,
      role: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: decodeURIComponent(url.pathname.slice(1)),
    });
  }
  if (found.length === 0) throw new Error("no DATABASE_URL_<SERVICE> variables");
  for (const t of found) {
    if (!t.role || !t.password || !t.database)
      throw new Error(`${t.key} needs a user, a password and a database`);
    if (t.role === env.MASTER_USERNAME) throw new Error(`${t.key} must not use the master user`);
  }
  return found;
}

const ident = (name) => `"${name.replace(/"/g, '""')}"`;

async function main(env = process.env) {
  const wanted = targets(env);
  const ca = env.DB_SSL_ROOT_CERT ? readFileSync(env.DB_SSL_ROOT_CERT, "utf8") : undefined;
  const client = new pg.Client({
    host: env.DB_HOST,
    port: Number(env.DB_PORT ?? 5432),
    user: env.MASTER_USERNAME,
    password: env.MASTER_PASSWORD,
    database: "postgres",
    // verify-full: the server's certificate must chain to the RDS CA and name DB_HOST.
    ssl: ca ? { ca, rejectUnauthorized: true } : false,
    connectionTimeoutMillis: 15_000,
  });
  await client.connect();
  try {
    for (const t of wanted) {
      const role = ident(t.role);
      const exists = (await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [t.role])).rowCount > 0;
      // DDL takes no parameters; escapeLiteral quotes the password. (PostgreSQL stores it as SCRAM-SHA-256.)
      const password = client.escapeLiteral(t.password);
      // No SUPERUSER/CREATEDB/CREATEROLE (the defaults): naming those attributes in ALTER ROLE is refused to a
      // master user that is not a superuser, as on RDS.
      if (exists) {
        await client.query(`ALTER ROLE ${role} WITH LOGIN PASSWORD ${password}`);
      } else {
        await client.query(`CREATE ROLE ${role} WITH LOGIN PASSWORD ${password}`);
      }
      // CREATE DATABASE ... OWNER needs the creator to be a member of the owner role (PostgreSQL 16+ grants only
      // ADMIN OPTION to the role's creator).
      await client.query(`GRANT ${role} TO CURRENT_USER`);
      const db = ident(t.database);
      const owner = await client.query(
        "SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1",
        [t.database],
      );
      if (owner.rowCount === 0) {
        try {
          await client.query(`CREATE DATABASE ${db} OWNER ${role}`);
        } catch (err) {
          // 42P04 duplicate_database, 23505 unique_violation: created concurrently (another db-init run).
          if (err.code !== "42P04" && err.code !== "23505") throw err;
          await client.query(`ALTER DATABASE ${db} OWNER TO ${role}`);
        }
      } else if (owner.rows[0].owner !== t.role) {
        await client.query(`ALTER DATABASE ${db} OWNER TO ${role}`);
      }
      await client.query(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC`);
      await client.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO ${role}`);
      log("role and database ready", { role: t.role, database: t.database, created: !exists });
    }
  } finally {
    await client.end();
  }
}

main().catch((err) => {
  process.stderr.write(
    `${JSON.stringify({ level: 50, time: Date.now(), name: "db-init", msg: "db-init failed", err: err.message, code: err.code })}\n`,
  );
  process.exit(1);
});
