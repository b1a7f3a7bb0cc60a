// A seller's weekly schedule (ranges per weekday in the shop's time zone, "HH:MM" to "HH:MM"; an
// overnight shift is two ranges) and days off, edited as a whole and saved with one PUT. "No
// schedule" means on duty whenever online. The API checks the ranges and names each problem.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { ApiErrorMessage } from "../../ui/api-error";
import { usePutSchedule, type DayHours, type SellerSchedule } from "./sellers.queries";

const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;
const TIME_PATTERN = "(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00";

type Week = Record<number, DayHours["ranges"]>;

function weekOf(schedule: SellerSchedule): Week {
  return Object.fromEntries(WEEKDAYS.map((weekday) => [weekday, schedule.weekly?.find((day) => day.weekday === weekday)?.ranges ?? []]));
}

export function ScheduleEditor({ sellerId, schedule, editable }: { sellerId: string; schedule: SellerSchedule; editable: boolean }) {
  const { t, i18n } = useTranslation();
  const put = usePutSchedule(sellerId);
  const [scheduled, setScheduled] = useState(schedule.weekly !== null);
  const [week, setWeek] = useState<Week>(() => weekOf(schedule));
  const [daysOff, setDaysOff] = useState<string[]>(schedule.daysOff);
  const [dayOff, setDayOff] = useState("");
  const [saved, setSaved] = useState(false);
  // Monday 2024-01-01 … Sunday 2024-01-07, named in the user's language.
  const dayName = (weekday: number) => new Intl.DateTimeFormat(i18n.language, { weekday: "long", timeZone: "UTC" }).format(new Date(Date.UTC(2024, 0, weekday)));
  const setRanges = (weekday: number, ranges: DayHours["ranges"]) => {
    setSaved(false);
    setWeek((current) => ({ ...current, [weekday]: ranges }));
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const weekly = scheduled ? WEEKDAYS.map((weekday) => ({ weekday, ranges: week[weekday] ?? [] })) : null;
    put.mutate({ weekly, daysOff }, { onSuccess: () => setSaved(true) });
  };

  return (
    <form className="form wide" onSubmit={submit} aria-labelledby="schedule-title">
      <h2 id="schedule-title">{t("sellers.schedule")}</h2>
      <label className="check">
        <input type="checkbox" name="scheduled" disabled={!editable} checked={scheduled} onChange={(event) => setScheduled(event.target.checked)} />
        {t("sellers.hasSchedule")}
      </label>
      {!scheduled && <p className="help">{t("sellers.noScheduleHelp")}</p>}
      {scheduled && (
        <>
          <p className="help">{t("sellers.scheduleHelp")}</p>
          {WEEKDAYS.map((weekday) => {
            const ranges = week[weekday] ?? [];
            const name = dayName(weekday);
            return (
              <fieldset key={weekday} className="day">
                <legend>{name}</legend>
                {ranges.length === 0 && <p className="help">{t("sellers.dayOffWeekly")}</p>}
                {ranges.map((range, index) => (
                  <div key={index} className="row range">
                    <label>
                      {t("sellers.opens", { day: name, number: index + 1 })}
                      <input
                        name={`open.${weekday}.${index}`}
                        required
                        pattern={TIME_PATTERN}
                        placeholder="09:00"
                        disabled={!editable}
                        value={range.open}
                        onChange={(event) => setRanges(weekday, ranges.map((item, at) => (at === index ? { ...item, open: event.target.value } : item)))}
                      />
                    </label>
                    <label>
                      {t("sellers.closes", { day: name, number: index + 1 })}
                      <input
                        name={`close.${weekday}.${index}`}
                        required
                        pattern={TIME_PATTERN}
                        placeholder="18:00"
                        disabled={!editable}
                        value={range.close}
                        onChange={(event) => setRanges(weekday, ranges.map((item, at) => (at === index ? { ...item, close: event.target.value } : item)))}
                      />
                    </label>
                    {editable && (
                      <button type="button" className="button secondary" onClick={() => setRanges(weekday, ranges.filter((_, at) => at !== index))}>
                        {t("sellers.removeRange", { day: name, number: index + 1 })}
                      </button>
                    )}
                  </div>
                ))}
                {editable && ranges.length < 8 && (
                  <button type="button" className="button secondary" onClick={() => setRanges(weekday, [...ranges, { open: "09:00", close: "18:00" }])}>
                    {t("sellers.addRange", { day: name })}
                  </button>
                )}
              </fieldset>
            );
          })}
        </>
      )}
      <fieldset className="provider">
        <legend>{t("sellers.daysOff")}</legend>
        {daysOff.length === 0 && <p className="help">{t("sellers.noDaysOff")}</p>}
        <ul className="plain-list">
          {daysOff.map((date) => (
            <li key={date}>
              {new Intl.DateTimeFormat(i18n.language, { dateStyle: "full", timeZone: "UTC" }).format(new Date(`${date}T00:00:00Z`))}{" "}
              {editable && (
                <button type="button" className="button secondary" onClick={() => setDaysOff((list) => list.filter((item) => item !== date))}>
                  {t("sellers.removeDayOff", { date })}
                </button>
              )}
            </li>
          ))}
        </ul>
        {editable && (
          <div className="row">
            <label>
              {t("sellers.dayOff")}
              <input type="date" name="dayOff" value={dayOff} onChange={(event) => setDayOff(event.target.value)} />
            </label>
            <button
              type="button"
              className="button secondary"
              disabled={!/^\d{4}-\d{2}-\d{2}$/.test(dayOff)}
              onClick={() => {
                setDaysOff((list) => [...new Set([...list, dayOff])].sort());
                setDayOff("");
              }}
            >
              {t("sellers.addDayOff")}
            </button>
          </div>
        )}
      </fieldset>
      <ApiErrorMessage error={put.error} />
      {saved && <p role="status">{t("sellers.scheduleSaved")}</p>}
      {editable && (
        <div className="row">
          <button type="submit" className="button" disabled={put.isPending}>
            {put.isPending ? t("common.working") : t("sellers.saveSchedule")}
          </button>
        </div>
      )}
    </form>
  );
}
