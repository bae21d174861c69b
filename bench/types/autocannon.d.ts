// autocannon ships no types; the load script uses only its promise API and result fields.
declare module 'autocannon';
