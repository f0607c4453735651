/**
 * The example's IAM database: users, applications, roles, entitlements and who holds which role, made here
 * (a few hundred rows, the same every run) in a schema of its own on PostgreSQL, with pg_trgm for
 * `resolve_entity`. Used by `npm run example:askiam` (through seed-iam-database.ts) and by the example's test.
 */
import pg from 'pg';

export interface IamCounts {
  users: number;
  applications: number;
  roles: number;
  entitlements: number;
  userRoles: number;
}

const APPLICATIONS: Array<{ name: string; owner: string; criticality: string; roles: string[] }> = [
  {
    name: 'Payroll',
    owner: 'Finance',
    criticality: 'high',
    roles: ['Payroll Viewer', 'Payroll Clerk', 'Payroll Approver', 'Payroll Administrator'],
  },
  { name: 'Payroll Archive', owner: 'Finance', criticality: 'medium', roles: ['Archive Reader'] },
  {
    name: 'HR Portal',
    owner: 'Human Resources',
    criticality: 'high',
    roles: ['HR Analyst', 'HR Partner', 'HR Administrator'],
  },
  {
    name: 'Expenses',
    owner: 'Finance',
    criticality: 'medium',
    roles: ['Expense Submitter', 'Expense Approver'],
  },
  {
    name: 'CRM',
    owner: 'Sales',
    criticality: 'medium',
    roles: ['Sales Rep', 'Sales Manager', 'CRM Administrator'],
  },
  { name: 'Data Warehouse', owner: 'Engineering', criticality: 'high', roles: ['Analyst', 'Data Engineer'] },
  {
    name: 'Source Control',
    owner: 'Engineering',
    criticality: 'high',
    roles: ['Developer', 'Maintainer', 'Owner'],
  },
  { name: 'Service Desk', owner: 'IT', criticality: 'low', roles: ['Agent', 'Supervisor'] },
];

const ACTIONS = ['read', 'create', 'update', 'approve', 'export', 'administer'];
const RISK = {
  read: 'low',
  create: 'medium',
  update: 'medium',
  approve: 'high',
  export: 'high',
  administer: 'high',
} as const;

const FIRST = [
  'Ada',
  'Ben',
  'Chloe',
  'Dev',
  'Elena',
  'Farid',
  'Grace',
  'Hugo',
  'Ines',
  'Jamal',
  'Kenji',
  'Lena',
  'Mateo',
  'Nora',
  'Omar',
  'Priya',
  'Quentin',
  'Rosa',
  'Sven',
  'Tara',
];
const LAST = [
  'Okafor',
  'Lindqvist',
  'Tanaka',
  'Novak',
  'Haddad',
  'Moreau',
  'Kowalski',
  'Osei',
  'Brennan',
  'Varga',
];
const DEPARTMENTS = ['Finance', 'Human Resources', 'Sales', 'Engineering', 'IT', 'Operations'];

/** People the README's questions are about: one exact match, and two names close enough to ask back. */
const NAMED = [
  { fullName: 'Jon Smith', username: 'jsmith', department: 'Finance', status: 'active' },
  { fullName: 'Mariah Garcia', username: 'mgarcia', department: 'Human Resources', status: 'active' },
  { fullName: 'Marie Garcia', username: 'mgarcia2', department: 'Finance', status: 'active' },
];
/** Jon Smith's payroll roles, fixed so the answer can be checked. */
const JON_SMITH_ROLES = ['Payroll Clerk', 'Payroll Approver', 'Expense Submitter'];

/** A small deterministic generator (mulberry32), so every run makes the same rows. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Creates (or re-creates) the example's tables in `schema` and fills them. Other tables in the schema are
 * left alone. Needs a role that may create the schema and, once, the pg_trgm extension.
 * @example await seedIamDatabase({ url: 'postgres://postgres@127.0.0.1:5432/test', schema: 'askiam' })
 */
export async function seedIamDatabase(options: { url: string; schema: string }): Promise<IamCounts> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
    throw new Error(`Schema "${options.schema}" is not a plain lower-case name; use letters, digits and _.`);
  }
  const client = new pg.Client({ connectionString: options.url });
  await client.connect();
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    await client.query('BEGIN');
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${options.schema}`);
    await client.query(`SET LOCAL search_path = ${options.schema}`);
    await client.query(
      'DROP TABLE IF EXISTS user_roles, role_entitlements, entitlements, roles, applications, users',
    );
    await client.query(`
      CREATE TABLE users (id int PRIMARY KEY, username text UNIQUE NOT NULL, full_name text NOT NULL,
        email text NOT NULL, department text NOT NULL, status text NOT NULL);
      CREATE TABLE applications (id int PRIMARY KEY, name text UNIQUE NOT NULL, owner text NOT NULL,
        criticality text NOT NULL);
      CREATE TABLE roles (id int PRIMARY KEY, application_id int NOT NULL REFERENCES applications,
        name text NOT NULL, UNIQUE (application_id, name));
      CREATE TABLE entitlements (id int PRIMARY KEY, application_id int NOT NULL REFERENCES applications,
        name text NOT NULL, risk text NOT NULL);
      CREATE TABLE role_entitlements (role_id int REFERENCES roles, entitlement_id int REFERENCES entitlements,
        PRIMARY KEY (role_id, entitlement_id));
      CREATE TABLE user_roles (user_id int REFERENCES users, role_id int REFERENCES roles,
        granted_on date NOT NULL, PRIMARY KEY (user_id, role_id));
    `);
    const counts = await insertRows(client);
    await client.query('COMMIT');
    return counts;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

async function insertRows(client: pg.Client): Promise<IamCounts> {
  const next = random(3);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const users = [
    ...NAMED,
    ...FIRST.flatMap((first) =>
      LAST.map((last) => ({
        fullName: `${first} ${last}`,
        username: `${first[0]}${last}`.toLowerCase(),
        department: pick(DEPARTMENTS),
        status: next() < 0.95 ? 'active' : 'suspended',
      })),
    ),
  ];
  await insertMany(
    client,
    'users',
    users.map((user, index) => [
      index + 1,
      user.username,
      user.fullName,
      `${user.username}@example.com`,
      user.department,
      user.status,
    ]),
  );
  const roleIds = new Map<string, number>();
  const roleRows: unknown[][] = [];
  const entitlementRows: unknown[][] = [];
  const grants: unknown[][] = [];
  APPLICATIONS.forEach((application, applicationIndex) => {
    const applicationId = applicationIndex + 1;
    const entitlementIds = ACTIONS.map((action) => {
      const id = entitlementRows.length + 1;
      entitlementRows.push([
        id,
        applicationId,
        `${application.name.toLowerCase().replaceAll(' ', '-')}:${action}`,
        RISK[action as keyof typeof RISK],
      ]);
      return id;
    });
    application.roles.forEach((role, level) => {
      const roleId = roleRows.length + 1;
      roleRows.push([roleId, applicationId, role]);
      roleIds.set(role, roleId);
      // Each role of an application holds the first few actions; the last role holds them all.
      const held =
        level === application.roles.length - 1 ? ACTIONS.length : Math.min(ACTIONS.length, level + 2);
      for (const entitlementId of entitlementIds.slice(0, held)) grants.push([roleId, entitlementId]);
    });
  });
  await insertMany(
    client,
    'applications',
    APPLICATIONS.map((application, index) => [
      index + 1,
      application.name,
      application.owner,
      application.criticality,
    ]),
  );
  await insertMany(client, 'roles', roleRows);
  await insertMany(client, 'entitlements', entitlementRows);
  await insertMany(client, 'role_entitlements', grants);
  const userRoles = new Map<string, unknown[]>();
  const grant = (userId: number, roleId: number) => {
    const day = 1 + Math.floor(next() * 28);
    const month = 1 + Math.floor(next() * 12);
    userRoles.set(`${userId}:${roleId}`, [
      userId,
      roleId,
      `2026-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
    ]);
  };
  for (const role of JON_SMITH_ROLES) grant(1, roleIds.get(role)!);
  for (let userId = NAMED.length + 1; userId <= users.length; userId += 1) {
    const count = 1 + Math.floor(next() * 3);
    for (let index = 0; index < count; index += 1) grant(userId, 1 + Math.floor(next() * roleRows.length));
  }
  grant(2, roleIds.get('HR Analyst')!);
  grant(3, roleIds.get('Payroll Viewer')!);
  await insertMany(client, 'user_roles', [...userRoles.values()]);
  return {
    users: users.length,
    applications: APPLICATIONS.length,
    roles: roleRows.length,
    entitlements: entitlementRows.length,
    userRoles: userRoles.size,
  };
}

async function insertMany(client: pg.Client, table: string, rows: unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  const width = rows[0]!.length;
  const placeholders = rows
    .map(
      (_, row) =>
        `(${Array.from({ length: width }, (_, column) => `$${row * width + column + 1}`).join(', ')})`,
    )
    .join(', ');
  await client.query(`INSERT INTO ${table} VALUES ${placeholders}`, rows.flat());
}
