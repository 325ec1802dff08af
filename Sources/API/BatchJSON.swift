import Batches
import Imports
import Ingestion
import JSON
import Money

extension Batch {
    /// The seed's batch fields plus the status, every counter and the settings.
    var json: JSON {
        var object: JSONObject = [
            "_id": .string(self.objectId),
            "batch_id": .string(self.batchId),
            "name": .string(self.name),
            "description": .string(self.description),
            "account_id": .string(self.accountId),
            "status": .string(self.status.rawValue),
            "is_active": .bool(self.isActive),
            "priority": .int(Int64(self.priority)),
            "country": .string(self.country),
            "use_case": .string(self.useCase.rawValue),
            "processing_type": .string(self.processingType.rawValue),
            "source_filename": .string(self.sourceFilename),
        ]
        object.append(self.counts.entries)
        object.append([
            "total_cost": .amount(self.totalCost),
            "total_minutes": .amount(self.totalMinutes),
            "estimated_cost": .amount(self.estimatedCost),
            "call_settings": self.callSettingsJSON.map(JSON.stored) ?? .null,
            "use_case_settings": .stored(self.useCaseSettingsJSON),
            "retell_agent_id": .string(self.retellAgentId),
            "cancellation_reason": .string(self.cancellationReason),
            "calling_held_back_by": .string(self.callingHeldBackBy),
            "created_at": .timestamp(self.createdAt),
            "updated_at": .timestamp(self.updatedAt),
            "started_at": .timestamp(self.startedAt),
            "completed_at": .timestamp(self.completedAt),
            "cancelled_at": .timestamp(self.cancelledAt),
        ])
        return .object(object)
    }
}

extension JobCounts {
    /// The counters as the API names them, in the order every batch view shows them.
    var entries: JSONObject {
        [
            "total_jobs": .int(Int64(self.total)),
            "pending_jobs": .int(Int64(self.pending)),
            "scheduled_jobs": .int(Int64(self.scheduled)),
            "in_progress_jobs": .int(Int64(self.inProgress)),
            "completed_jobs": .int(Int64(self.completed)),
            "failed_jobs": .int(Int64(self.failed)),
            "suspended_jobs": .int(Int64(self.suspended)),
            "cancelled_jobs": .int(Int64(self.cancelled)),
        ]
    }
}

extension Batch {
    /// `completed / total × 100`, to two decimals (0 for an empty batch).
    var completionRate: JSON { percentage(self.counts.completed, of: self.counts.total) }

    /// `GET /batches/{id}/summary`, with `hourly_stats`: the batch's settled calls per hour in its
    /// time zone.
    func summaryJSON(hourly: [HourlyCallStats]) -> JSON {
        var object: JSONObject = [
            "batch_id": .string(self.batchId),
            "_id": .string(self.objectId),
            "name": .string(self.name),
            "account_id": .string(self.accountId),
            "status": .string(self.status.rawValue),
            "is_active": .bool(self.isActive),
        ]
        object.append(self.counts.entries)
        object.append([
            "completion_rate": self.completionRate,
            "total_cost": .amount(self.totalCost),
            "total_minutes": .amount(self.totalMinutes),
            "estimated_cost": .amount(self.estimatedCost),
            "priority": .int(Int64(self.priority)),
            "created_at": .timestamp(self.createdAt),
            "started_at": .timestamp(self.startedAt),
            "completed_at": .timestamp(self.completedAt),
            "hourly_stats": .array(hourly.map { hour in
                [
                    "date": .string(hour.date), "hour": .int(Int64(hour.hour)), "total_calls": .int(Int64(hour.totalCalls)),
                    "successful_calls": .int(Int64(hour.successfulCalls)),
                    "success_rate": percentage(hour.successfulCalls, of: hour.totalCalls),
                ]
            }),
        ])
        return .object(object)
    }

    /// `GET /batches/{id}/status`: the light view a console polls.
    var statusJSON: JSON {
        var object: JSONObject = [
            "batch_id": .string(self.batchId),
            "_id": .string(self.objectId),
            "status": .string(self.status.rawValue),
            "is_active": .bool(self.isActive),
        ]
        object.append(self.counts.entries)
        object.append([
            "total_cost": .amount(self.totalCost),
            "total_minutes": .amount(self.totalMinutes),
            "progress_percentage": self.completionRate,
            "started_at": .timestamp(self.startedAt),
            "completed_at": .timestamp(self.completedAt),
            "updated_at": .timestamp(self.updatedAt),
        ])
        return .object(object)
    }
}

extension Job {
    /// The seed's job fields; `contact` always has a name string and a phones array (the legacy
    /// console's pages crash without them).
    var json: JSON {
        [
            "_id": .string(self.objectId),
            "job_id": .string(self.jobId),
            "batch_id": .string(self.batchId),
            "account_id": .string(self.accountId),
            "status": .string(self.status.rawValue),
            "contact": [
                "name": .string(self.contactName),
                "dni": .string(self.contactDni),
                "phones": .array(self.phones.map(JSON.string)),
                "next_phone_index": .int(Int64(self.nextPhoneIndex)),
            ],
            "to_number": .string(self.toNumber),
            "payload": .stored(self.payloadJSON),
            "attempts": .int(Int64(self.attempts)),
            "max_attempts": .int(Int64(self.maxAttempts)),
            "estimated_cost": .amount(self.estimatedCost),
            "next_attempt_at": .timestamp(self.nextAttemptAt),
            "last_error": .string(self.lastError),
            "last_outcome": .string(self.lastOutcome),
            "cancellation_reason": .string(self.cancellationReason),
            "call_result": self.lastCall.map(\.callResult) ?? .null,
            "call_id": .string(self.lastCall?.attemptId),
            "call_started_at": .timestamp(self.lastCall?.startedAt),
            "call_ended_at": .timestamp(self.lastCall?.endedAt),
            "call_duration_seconds": self.lastCall?.durationSeconds ?? .null,
            "fecha_pago_cliente": .string(self.fechaPagoCliente?.iso),
            "monto_pago_cliente": self.montoPagoCliente.map(JSON.amount) ?? .null,
            "source_row": self.sourceRow.map { .int(Int64($0)) } ?? .null,
            "created_at": .timestamp(self.createdAt),
            "updated_at": .timestamp(self.updatedAt),
            "started_at": .timestamp(self.startedAt),
            "completed_at": .timestamp(self.completedAt),
        ]
    }
}

extension CallRecord {
    /// The job's `call_result` in the previous system's shape (previous-system.md §5.6), which the
    /// customers' console reads: `summary` mirrors the provider's call object.
    var callResult: JSON {
        [
            "success": .bool(self.answered),
            "status": .string(self.callStatus ?? self.status),
            "outcome": .string(self.outcome),
            "call_id": .string(self.attemptId),
            "provider_call_id": .string(self.providerCallId),
            "attempt": .int(Int64(self.attempt)),
            "summary": [
                "call_status": .string(self.callStatus),
                "disconnection_reason": .string(self.disconnectionReason),
                "duration_ms": self.durationMs.map(JSON.int) ?? .null,
                "start_timestamp": self.startedAt.map { .int($0.microsecondsSinceEpoch / 1000) } ?? .null,
                "end_timestamp": self.endedAt.map { .int($0.microsecondsSinceEpoch / 1000) } ?? .null,
                "call_cost": [
                    "combined_cost": .amount(self.chargedCost ?? .zero),
                    "total_duration_seconds": self.durationSeconds ?? .int(0),
                ],
                "call_analysis": self.analysisJSON.map(JSON.stored) ?? .null,
                "recording_url": .string(self.recordingURL),
                "public_log_url": .string(self.publicLogURL),
                "collected_dynamic_variables": self.collectedVariablesJSON.map(JSON.stored) ?? .null,
            ],
            "timestamp": .timestamp(self.settledAt ?? self.createdAt),
        ]
    }

    /// The duration in seconds, exact (milliseconds are thousandths).
    var durationSeconds: JSON? {
        self.durationMs.map { .amount(Amount(tenThousandths: $0 * 10)) }
    }
}

extension RowError {
    var json: JSON {
        ["row": .int(Int64(self.row)), "column": .string(self.column), "value": .string(self.value), "reason": .string(self.reason)]
    }
}

extension Duplicate {
    var json: JSON {
        [
            "row": .int(Int64(self.contact.firstRow)),
            "name": .string(self.contact.name),
            "dni": .string(self.contact.idDisplay),
            "phone": .string(self.contact.phones.first),
            "batch_id": .string(self.batchId),
        ]
    }
}

extension Contact {
    /// A normalised contact as previews show it.
    var json: JSON {
        [
            "row": .int(Int64(self.firstRow)),
            "name": .string(self.name),
            "dni": .string(self.idDisplay),
            "phones": .array(self.phones.map(JSON.string)),
            "company": .string(self.company),
            "debt_amount": .amount(self.amount),
            "cantidad_cupones": .int(Int64(self.rowCount)),
            "fecha_limite": .string(self.fechaLimite?.iso),
            "fecha_maxima": .string(self.fechaMaxima?.iso),
        ]
    }
}

/// `part / total × 100`, rounded to two decimals (0 when there is nothing to count).
func percentage(_ part: Int, of total: Int) -> JSON {
    guard total > 0 else { return .int(0) }
    let hundredths = (Int64(part) * 10_000 + Int64(total) / 2) / Int64(total)
    return .amount(Amount(tenThousandths: hundredths * 100))
}
