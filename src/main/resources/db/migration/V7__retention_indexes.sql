-- The retention sweep deletes processed event keys by age: without an index it would read the whole table.
CREATE INDEX camel_messageprocessed_created_idx ON CAMEL_MESSAGEPROCESSED (createdAt);
