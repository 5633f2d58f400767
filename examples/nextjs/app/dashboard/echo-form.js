'use client'
import { useActionState } from 'react'
import { echo } from '../actions.js'

export function EchoForm() {
  const [state, action, pending] = useActionState(echo, null)
  return (
    <form action={action}>
      <input name="message" placeholder="Say something" required />
      <button type="submit" disabled={pending}>Echo (Server Action)</button>
      {state?.message && <p id="echo">{state.message}</p>}
      {state?.error && <p id="echo-error">{state.error}</p>}
    </form>
  )
}
