// The shop's users and their roles, for owners and admins: who has access and as what, add a
// user with an initial password, change a role (only an owner grants or changes the owner role),
// disable or enable, remove. Every refusal of the API (the last owner, a weak password, a taken
// email) is shown where it happened.
import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useAuth } from "../../auth/auth";
import { ApiErrorMessage } from "../../ui/api-error";
import { UserErrorMessage } from "./user-error";
import { ROLES, useCreateUser, useRemoveUser, useUpdateUser, useUsers, type Role, type User } from "./users.queries";

function isRole(value: string): value is Role {
  return ROLES.some((role) => role === value);
}

/** The roles this actor may hand out: the owner role only by an owner. */
function grantableRoles(actorRole: Role | undefined): Role[] {
  return ROLES.filter((role) => role !== "owner" || actorRole === "owner");
}

function UserCard({ user, self, canWrite, actorRole }: { user: User; self: boolean; canWrite: boolean; actorRole: Role | undefined }) {
  const { t } = useTranslation();
  const id = useId();
  const [role, setRole] = useState<Role>(user.role);
  const [confirming, setConfirming] = useState(false);
  const update = useUpdateUser();
  const remove = useRemoveUser();
  const name = user.displayName || user.email;
  // Only an owner changes an owner (the API says OWNER_REQUIRED otherwise).
  const manageable = canWrite && (actorRole === "owner" || user.role !== "owner");
  const busy = update.isPending || remove.isPending;
  const error = update.error ?? remove.error;

  const changeRole = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({ userId: user.id, changes: { role } }, { onError: () => setRole(user.role) });
  };
  return (
    <li className="card user-card">
      <h2 id={`${id}-name`}>
        {name} {self && <span className="help">{t("users.you")}</span>}
      </h2>
      <dl className="facts">
        <div>
          <dt>{t("users.email")}</dt>
          <dd>{user.email}</dd>
        </div>
        <div>
          <dt>{t("users.role")}</dt>
          <dd data-testid="user-role">{t(`roles.${user.role}`)}</dd>
        </div>
        <div>
          <dt>{t("users.state")}</dt>
          <dd>
            <span className={user.disabled ? "badge state-disconnected" : "badge state-connected"}>{user.disabled ? t("users.disabled") : t("users.enabled")}</span>
          </dd>
        </div>
      </dl>
      {canWrite && !manageable && <p className="help">{t("users.ownerOnly")}</p>}
      {manageable && (
        <div className="user-actions">
          <form className="row" onSubmit={changeRole}>
            <label htmlFor={`${id}-role`} className="visually-hidden">
              {t("users.roleOf", { name })}
            </label>
            <select id={`${id}-role`} value={role} onChange={(event) => isRole(event.target.value) && setRole(event.target.value)}>
              {grantableRoles(actorRole).map((option) => (
                <option key={option} value={option}>
                  {t(`roles.${option}`)}
                </option>
              ))}
            </select>
            <button type="submit" className="button secondary" disabled={busy || role === user.role}>
              {t("users.changeRole")}
              <span className="visually-hidden"> {name}</span>
            </button>
          </form>
          <div className="row">
            <button type="button" className="button secondary" disabled={busy} onClick={() => update.mutate({ userId: user.id, changes: { disabled: !user.disabled } })}>
              {user.disabled ? t("users.enable") : t("users.disable")}
              <span className="visually-hidden"> {name}</span>
            </button>
            {!confirming && (
              <button type="button" className="button secondary" disabled={busy} onClick={() => setConfirming(true)}>
                {t("users.remove")}
                <span className="visually-hidden"> {name}</span>
              </button>
            )}
          </div>
          {confirming && (
            <div className="confirm" role="group" aria-labelledby={`${id}-confirm`}>
              <p id={`${id}-confirm`}>{t("users.removeQuestion", { name })}</p>
              <div className="row">
                <button type="button" className="button danger" disabled={busy} onClick={() => remove.mutate(user.id, { onSettled: () => setConfirming(false) })}>
                  {t("users.confirmRemove")}
                </button>
                <button type="button" className="button secondary" onClick={() => setConfirming(false)}>
                  {t("users.cancel")}
                </button>
              </div>
            </div>
          )}
          <UserErrorMessage error={error} />
        </div>
      )}
    </li>
  );
}

const EMPTY = { email: "", displayName: "", password: "" };

function NewUserForm({ actorRole }: { actorRole: Role | undefined }) {
  const { t } = useTranslation();
  const create = useCreateUser();
  const [fields, setFields] = useState(EMPTY);
  const [role, setRole] = useState<Role>("agent");
  const [added, setAdded] = useState<string | null>(null);
  const set = (key: keyof typeof EMPTY) => (value: string) => setFields((current) => ({ ...current, [key]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setAdded(null);
    create.mutate(
      { ...fields, role },
      {
        onSuccess: (user) => {
          setAdded(user.email);
          setFields(EMPTY);
          setRole("agent");
        },
      },
    );
  };
  return (
    <section aria-labelledby="new-user-title" className="new-user">
      <h2 id="new-user-title">{t("users.newTitle")}</h2>
      <form className="form" onSubmit={submit}>
        <label>
          {t("users.email")}
          <input name="email" type="email" required autoComplete="off" value={fields.email} onChange={(event) => set("email")(event.target.value)} />
        </label>
        <label>
          {t("users.name")}
          <input name="displayName" maxLength={200} autoComplete="off" value={fields.displayName} onChange={(event) => set("displayName")(event.target.value)} />
        </label>
        <div className="field">
          <label htmlFor="new-user-role">{t("users.role")}</label>
          <select id="new-user-role" value={role} onChange={(event) => isRole(event.target.value) && setRole(event.target.value)}>
            {grantableRoles(actorRole).map((option) => (
              <option key={option} value={option}>
                {t(`roles.${option}`)}
              </option>
            ))}
          </select>
          <p className="help">{t("users.roleHelp")}</p>
        </div>
        <div className="field">
          <label htmlFor="new-user-password">{t("users.password")}</label>
          <input id="new-user-password" name="password" type="password" required autoComplete="new-password" aria-describedby="new-user-password-help" value={fields.password} onChange={(event) => set("password")(event.target.value)} />
          <p id="new-user-password-help" className="help">
            {t("users.passwordHelp")}
          </p>
        </div>
        <UserErrorMessage error={create.error} />
        {added && (
          <p className="success" role="status">
            {t("users.added", { email: added })}
          </p>
        )}
        <div className="row">
          <button type="submit" className="button" disabled={create.isPending}>
            {create.isPending ? t("common.working") : t("users.add")}
          </button>
        </div>
      </form>
    </section>
  );
}

export default function UsersPage() {
  const { t } = useTranslation();
  const { can, me } = useAuth();
  const canRead = can("users:read");
  const canWrite = can("users:write");
  const users = useUsers(canRead);
  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">{t("users.title")}</h1>
      </div>
      {!canRead && <p className="notice">{t("users.managersOnly")}</p>}
      {canRead && (
        <>
          <p className="help">{t("users.rolesHelp")}</p>
          {users.isPending && <p role="status">{t("common.loading")}</p>}
          <ApiErrorMessage error={users.error} />
          {users.data && (
            <ul className="cards user-list" aria-label={t("users.title")}>
              {users.data.map((user) => (
                <UserCard key={`${user.id}:${user.role}`} user={user} self={user.id === me?.id} canWrite={canWrite} actorRole={me?.role} />
              ))}
            </ul>
          )}
          {canWrite && <NewUserForm actorRole={me?.role} />}
        </>
      )}
    </section>
  );
}
