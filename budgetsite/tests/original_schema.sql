-- The original app's schema (SQLAlchemy create_all on SQLite), for adoption tests.
CREATE TABLE categories (
  id INTEGER NOT NULL, short_desc VARCHAR(100) NOT NULL, display_name VARCHAR(100) NOT NULL,
  parent_id INTEGER, color VARCHAR(7), is_income BOOLEAN, is_recurring BOOLEAN, created_at DATETIME,
  PRIMARY KEY (id), FOREIGN KEY(parent_id) REFERENCES categories (id));
CREATE UNIQUE INDEX ix_categories_short_desc ON categories (short_desc);
CREATE TABLE accounts (
  id INTEGER NOT NULL, name VARCHAR(100) NOT NULL, institution VARCHAR(50) NOT NULL, account_type VARCHAR(20) NOT NULL,
  plaid_item_id VARCHAR(100), plaid_access_token TEXT, plaid_cursor TEXT, plaid_account_id VARCHAR(100),
  plaid_connection_status VARCHAR(20) NOT NULL, last_synced_at DATETIME, last_sync_error TEXT,
  balance_current FLOAT, balance_available FLOAT, balance_limit FLOAT, balance_updated_at DATETIME, created_at DATETIME,
  PRIMARY KEY (id));
CREATE TABLE deleted_transactions (
  id INTEGER NOT NULL, original_id INTEGER NOT NULL, account_id INTEGER, account_name VARCHAR(200), date DATE NOT NULL,
  description TEXT NOT NULL, merchant_name VARCHAR(200), amount FLOAT NOT NULL, category_name VARCHAR(100),
  status VARCHAR(20), source VARCHAR(20), deleted_at DATETIME, PRIMARY KEY (id));
CREATE TABLE transactions (
  id INTEGER NOT NULL, account_id INTEGER NOT NULL, plaid_transaction_id VARCHAR(100), date DATE NOT NULL,
  description TEXT NOT NULL, merchant_name VARCHAR(200), amount FLOAT NOT NULL, category_id INTEGER,
  predicted_category_id INTEGER, status VARCHAR(20) NOT NULL, source VARCHAR(20) NOT NULL, is_pending BOOLEAN,
  categorization_tier VARCHAR(20), prediction_confidence FLOAT, created_at DATETIME,
  PRIMARY KEY (id), FOREIGN KEY(account_id) REFERENCES accounts (id), UNIQUE (plaid_transaction_id),
  FOREIGN KEY(category_id) REFERENCES categories (id), FOREIGN KEY(predicted_category_id) REFERENCES categories (id));
CREATE INDEX idx_transactions_date ON transactions (date);
CREATE INDEX idx_transactions_status ON transactions (status);
CREATE INDEX idx_transactions_account_date ON transactions (account_id, date);
CREATE TABLE merchant_mappings (
  id INTEGER NOT NULL, merchant_pattern VARCHAR(200) NOT NULL, category_id INTEGER NOT NULL, confidence INTEGER,
  created_at DATETIME, PRIMARY KEY (id), CONSTRAINT uq_merchant_pattern UNIQUE (merchant_pattern),
  FOREIGN KEY(category_id) REFERENCES categories (id));
CREATE INDEX ix_merchant_mappings_merchant_pattern ON merchant_mappings (merchant_pattern);
CREATE TABLE amount_rules (
  id INTEGER NOT NULL, description_pattern VARCHAR(100) NOT NULL, amount FLOAT NOT NULL, tolerance FLOAT,
  short_desc VARCHAR(100) NOT NULL, category_id INTEGER NOT NULL, notes TEXT, created_at DATETIME,
  PRIMARY KEY (id), FOREIGN KEY(category_id) REFERENCES categories (id));
CREATE INDEX idx_amount_rules_pattern ON amount_rules (description_pattern);
CREATE TABLE budgets (
  id INTEGER NOT NULL, category_id INTEGER NOT NULL, month VARCHAR(7) NOT NULL, amount FLOAT NOT NULL,
  created_at DATETIME, PRIMARY KEY (id), CONSTRAINT uq_budget_category_month UNIQUE (category_id, month),
  FOREIGN KEY(category_id) REFERENCES categories (id));
CREATE TABLE sync_log (
  id INTEGER NOT NULL, account_id INTEGER NOT NULL, "trigger" VARCHAR(20) NOT NULL, status VARCHAR(20) NOT NULL,
  added INTEGER, modified INTEGER, removed INTEGER, error_message TEXT, duration_seconds FLOAT, started_at DATETIME,
  PRIMARY KEY (id), FOREIGN KEY(account_id) REFERENCES accounts (id));
CREATE INDEX idx_synclog_account_started ON sync_log (account_id, started_at);
CREATE TABLE notification_log (
  id INTEGER NOT NULL, transaction_id INTEGER NOT NULL, email_message_id VARCHAR(200), sent_at DATETIME,
  replied_at DATETIME, reply_category VARCHAR(100), PRIMARY KEY (id),
  FOREIGN KEY(transaction_id) REFERENCES transactions (id));
