-- Up Migration
-- Orders: lines with a snapshot of the catalogue at the time (name, SKU, unit price), money in
-- integer minor units, the status lifecycle with its history, and partial payments. A tenant's
-- human order numbers come from one counter row per tenant, taken inside the order's transaction,
-- so numbers are unique and never reused (a rolled-back order does not consume one).
CREATE TABLE order_counters (
  tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  last_number bigint NOT NULL CHECK (last_number > 0)
);

CREATE TABLE orders (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  number bigint NOT NULL CHECK (number > 0),
  -- Same key for the same tenant: the first order is answered again (chat retries, double clicks).
  idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  customer_id uuid NOT NULL,
  seller_id uuid,
  -- The bot (held by the adapter) the order came through; NULL for dashboard orders.
  bot_id uuid,
  source text NOT NULL CHECK (source IN ('chat', 'dashboard')),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'in_process', 'packed', 'ready', 'on_the_way', 'delivered', 'cancelled')),
  currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  subtotal_minor bigint NOT NULL CHECK (subtotal_minor >= 0),
  discount_minor bigint NOT NULL DEFAULT 0 CHECK (discount_minor >= 0 AND discount_minor <= subtotal_minor),
  tax_rate_bps integer NOT NULL DEFAULT 0 CHECK (tax_rate_bps BETWEEN 0 AND 10000),
  tax_minor bigint NOT NULL DEFAULT 0 CHECK (tax_minor >= 0),
  delivery_minor bigint NOT NULL DEFAULT 0 CHECK (delivery_minor >= 0),
  total_minor bigint NOT NULL CHECK (total_minor = subtotal_minor - discount_minor + tax_minor + delivery_minor),
  -- Payments never exceed the total: the balance is total - paid, never negative.
  paid_minor bigint NOT NULL DEFAULT 0 CHECK (paid_minor >= 0 AND paid_minor <= total_minor),
  payment_method text NOT NULL DEFAULT '' CHECK (length(payment_method) <= 40),
  delivery_method text NOT NULL DEFAULT 'pickup' CHECK (delivery_method IN ('pickup', 'delivery')),
  delivery_address text NOT NULL DEFAULT '' CHECK (length(delivery_address) <= 1000),
  notes text NOT NULL DEFAULT '' CHECK (length(notes) <= 4000),
  -- Who the customer was when ordering (the customer record may change later).
  customer_name text NOT NULL DEFAULT '',
  customer_phone text,
  customer_whatsapp_id text,
  -- A dashboard user's id, or 'bot'.
  created_by text NOT NULL,
  -- Set once, when a cancellation put the reserved stock back: it never happens twice.
  stock_restored_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, number),
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
  FOREIGN KEY (tenant_id, seller_id) REFERENCES sellers (tenant_id, id) ON DELETE SET NULL (seller_id)
);
CREATE UNIQUE INDEX orders_idempotency_idx ON orders (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX orders_created_idx ON orders (tenant_id, created_at, id);
CREATE INDEX orders_customer_idx ON orders (tenant_id, customer_id, created_at);
CREATE INDEX orders_status_idx ON orders (tenant_id, status, created_at);
CREATE INDEX orders_seller_idx ON orders (tenant_id, seller_id, created_at) WHERE seller_id IS NOT NULL;

CREATE TABLE order_lines (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL,
  order_id uuid NOT NULL,
  position integer NOT NULL CHECK (position >= 0),
  product_id uuid NOT NULL,
  variant_id uuid,
  -- Snapshot of the catalogue when the order was taken.
  sku text NOT NULL,
  name text NOT NULL,
  unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
  quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 10000),
  line_total_minor bigint NOT NULL CHECK (line_total_minor = unit_price_minor * quantity),
  UNIQUE (order_id, position),
  FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id),
  FOREIGN KEY (tenant_id, variant_id) REFERENCES product_variants (tenant_id, id)
);
CREATE INDEX order_lines_product_idx ON order_lines (tenant_id, product_id);
CREATE INDEX order_lines_variant_idx ON order_lines (tenant_id, variant_id) WHERE variant_id IS NOT NULL;

CREATE TABLE order_status_changes (
  id bigserial PRIMARY KEY,
  tenant_id uuid NOT NULL,
  order_id uuid NOT NULL,
  -- NULL for the order's creation.
  from_status text,
  to_status text NOT NULL,
  -- A dashboard user's id, or 'bot'.
  changed_by text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now(),
  note text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
  FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX order_status_changes_order_idx ON order_status_changes (order_id, id);

CREATE TABLE order_payments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL,
  order_id uuid NOT NULL,
  amount_minor bigint NOT NULL CHECK (amount_minor > 0),
  method text NOT NULL CHECK (length(method) BETWEEN 1 AND 40),
  reference text NOT NULL DEFAULT '' CHECK (length(reference) <= 200),
  paid_at timestamptz NOT NULL DEFAULT now(),
  recorded_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX order_payments_order_idx ON order_payments (order_id, created_at);

-- The dashboard lists customers newest first, page by page.
CREATE INDEX customers_created_idx ON customers (tenant_id, created_at, id);

-- Down Migration
DROP INDEX customers_created_idx;
DROP TABLE order_payments;
DROP TABLE order_status_changes;
DROP TABLE order_lines;
DROP TABLE orders;
DROP TABLE order_counters;
